import { describe, expect, test } from "bun:test";
import type { RawRouteHandler } from "../../server/handler.ts";
import { answerRaw } from "../raw-view.ts";
import { bothForms, fakeExchange, mustBuildBoth, mustBuildRaw, rawTestContext, type FakeExchange } from "../raw-testing.ts";
import { testConn } from "../testing.ts";
import "./index.ts";

// The raw form holds a slot from the request until `done` (the response is
// over: body sent, client gone, upstream failed), then frees it.

/** A backend that writes its head at once and ends only when the test says. */
function heldBackend() {
  const open: (() => void)[] = [];
  const next: RawRouteHandler = (ex, ctx, _conn, done) => {
    ex.writeHead(200, "OK", [], {});
    open.push(() => {
      ex.end(Buffer.from("end"));
      ctx.downstreamStatus = 200;
      done();
    });
  };
  return { next, finishAll: () => open.splice(0).forEach((f) => f()) };
}

function send(handler: RawRouteHandler, opts: { host?: string; peer?: string } = {}): { ex: FakeExchange; finished: Promise<number> } {
  const ex = fakeExchange({ host: opts.host ?? "a.test", remoteAddress: opts.peer ?? "127.0.0.1" });
  const conn = testConn({ clientIp: ex.remoteAddress });
  let calls = 0;
  const finished = new Promise<number>((resolve) => handler(ex, rawTestContext(ex, conn), conn, () => resolve(++calls)));
  return { ex, finished };
}

describe("inFlightReq raw form", () => {
  test("a second request while the first is unfinished gets 429; done frees the slot", async () => {
    const backend = heldBackend();
    const handler = mustBuildRaw("inFlightReq", { amount: 1 })(backend.next);
    const first = send(handler);
    expect(first.ex.response?.status).toBe(200);
    expect(first.ex.ended).toBe(false);

    const second = send(handler);
    expect(await second.finished).toBe(1);
    expect(second.ex.response).toMatchObject({ status: 429, reason: "Too Many Requests", body: "Too Many Requests\n" });

    backend.finishAll();
    expect(await first.finished).toBe(1);
    const third = send(handler);
    expect(third.ex.response?.status).toBe(200);
    backend.finishAll();
    expect(await third.finished).toBe(1);
  });

  test("the default criterion is the request host: another host has its own slots", async () => {
    const backend = heldBackend();
    const handler = mustBuildRaw("inFlightReq", { amount: 1 })(backend.next);
    send(handler, { host: "a.test" });
    expect(send(handler, { host: "b.test" }).ex.response?.status).toBe(200);
    expect(send(handler, { host: "a.test" }).ex.response?.status).toBe(429);
    backend.finishAll();
  });

  test("amount counts concurrent requests of one source", async () => {
    const backend = heldBackend();
    const handler = mustBuildRaw("inFlightReq", { amount: 2, sourceCriterion: { ipStrategy: {} } })(backend.next);
    const statuses = [send(handler), send(handler), send(handler), send(handler, { peer: "192.0.2.1" })].map((r) => r.ex.response?.status);
    expect(statuses).toEqual([200, 200, 429, 200]);
    backend.finishAll();
  });

  test("a next handler that throws frees the slot", async () => {
    let fail = true;
    const next: RawRouteHandler = (ex, ctx, _conn, done) => {
      if (fail) throw new Error("boom");
      answerRaw(ex, ctx, 200, "OK", [], "ok", done);
    };
    const handler = mustBuildRaw("inFlightReq", { amount: 1 })(next);
    const ex = fakeExchange();
    const conn = testConn();
    // The front catches this and answers 500 with its own done; the slot must not leak.
    expect(() => handler(ex, rawTestContext(ex, conn), conn, () => {})).toThrow("boom");
    fail = false;
    const after = send(handler);
    expect(await after.finished).toBe(1);
    expect(after.ex.response?.status).toBe(200);
  });

  test("the 429 is the same on both forms", async () => {
    const { request, raw } = await bothForms(mustBuildBoth("inFlightReq", { amount: 1 }));
    expect(raw).toEqual(request); // nothing in flight: both forward
    const held = heldBackend();
    const both = mustBuildBoth("inFlightReq", { amount: 1 });
    const rawHandler = both.raw(held.next);
    send(rawHandler);
    const refusedRaw = send(rawHandler).ex.response!;
    held.finishAll();
    let release!: () => void;
    const handler = both.middleware(() => new Promise<Response>((resolve) => (release = () => resolve(new Response("ok")))));
    const conn = testConn();
    const ctx = () => ({ ...rawTestContext(fakeExchange(), conn), requestHeaders: new Headers() });
    const pending = handler(new Request("http://a.test/", { headers: { host: "a.test" } }), ctx(), conn);
    const refused = await handler(new Request("http://a.test/", { headers: { host: "a.test" } }), ctx(), conn);
    release();
    await pending;
    expect(refused.status).toBe(refusedRaw.status);
    expect(await refused.text()).toBe(refusedRaw.body);
    expect(refused.headers.get("content-type")).toBe(Object.fromEntries(refusedRaw.headers)["content-type"]);
  });
});
