import { describe, expect, test } from "bun:test";
import type { Handler } from "../../server/handler.ts";
import { buildKind, mustBuild, testConn, testContext } from "../testing.ts";
import "./index.ts";

/** A backend whose responses stay open until the test ends them: each call gets a controllable body. */
function heldBackend() {
  const bodies: ReadableStreamDefaultController<Uint8Array>[] = [];
  const handler: Handler = (_req, ctx) => {
    ctx.streamedResponse = true; // as the proxy marks a streamed upstream body
    const body = new ReadableStream<Uint8Array>({ start: (c) => void bodies.push(c) });
    return new Response(body, { headers: { "x-backend": "held" } });
  };
  return { handler, bodies };
}

type Send = { host?: string; peer?: string; headers?: Record<string, string> };

function router(options: Record<string, unknown>, backend: Handler) {
  const handler = mustBuild("inFlightReq", options)(backend);
  return async (opts: Send = {}) => {
    const req = new Request(`http://${opts.host ?? "a.test"}/`, { headers: { host: opts.host ?? "a.test", ...opts.headers } });
    const conn = testConn({ clientIp: opts.peer ?? "127.0.0.1" });
    return handler(req, testContext(req, conn), conn);
  };
}

describe("inFlightReq", () => {
  test.each([
    // options, the two concurrent requests, whether the second is refused
    [{ amount: 1 }, {}, {}, true],
    [{ amount: 2 }, {}, {}, false],
    [{ amount: "1" }, {}, {}, true], // quoted, as labels give it
    // default criterion: the request host (Traefik's inFlightReq default)
    [{ amount: 1 }, { host: "a.test" }, { host: "b.test" }, false],
    [{ amount: 1 }, { peer: "10.0.0.1" }, { peer: "10.0.0.2" }, true],
    [{ amount: 1, sourceCriterion: { requestHost: true } }, { host: "a.test:80" }, { host: "a.test:81" }, false], // port included
    [{ amount: 1, sourceCriterion: { ipStrategy: {} } }, { peer: "10.0.0.1" }, { peer: "10.0.0.2" }, false],
    [{ amount: 1, sourceCriterion: { ipStrategy: {} } }, { peer: "10.0.0.1", host: "a.test" }, { peer: "10.0.0.1", host: "b.test" }, true],
    [{ amount: 1, sourceCriterion: { requestHeaderName: "X-User" } }, { headers: { "x-user": "ann" } }, { headers: { "x-user": "bob" } }, false],
    [{ amount: 1, sourceCriterion: { requestHeaderName: "X-User" } }, { headers: { "x-user": "ann" } }, { headers: { "x-user": "ann" } }, true],
    [{ amount: 1, sourceCriterion: { requestHeaderName: "X-User" } }, {}, {}, true], // no header: one shared "" source
  ])("%p: %p then %p concurrently, second refused: %p", async (options, first, second, refused) => {
    const { handler, bodies } = heldBackend();
    const send = router(options, handler);
    const a = await send(first);
    const b = await send(second);
    expect(a.status).toBe(200);
    expect(b.status).toBe(refused ? 429 : 200);
    if (refused) expect((await b.text()).trim()).toBe("Too Many Requests");
    for (const c of bodies) c.close();
  });

  test("the slot is held until the response body has been read to its end", async () => {
    const { handler, bodies } = heldBackend();
    const send = router({ amount: 1 }, handler);
    const first = await send();
    expect((await send()).status).toBe(429); // headers are out, the body is not
    bodies[0]!.enqueue(new TextEncoder().encode("part"));
    const reader = first.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    expect((await send()).status).toBe(429); // still mid-body
    bodies[0]!.close();
    expect((await reader.read()).done).toBe(true);
    expect((await send()).status).toBe(200);
  });

  test("the slot is freed when the client goes away (body cancelled)", async () => {
    const { handler } = heldBackend();
    const send = router({ amount: 1 }, handler);
    const first = await send();
    await first.body!.cancel("client closed");
    expect((await send()).status).toBe(200);
  });

  test("the slot is freed when the body fails", async () => {
    const { handler, bodies } = heldBackend();
    const send = router({ amount: 1 }, handler);
    const first = await send();
    bodies[0]!.error(new Error("upstream reset"));
    await expect(first.text()).rejects.toThrow("upstream reset");
    expect((await send()).status).toBe(200);
  });

  test("the slot is freed when the next handler throws", async () => {
    let calls = 0;
    const send = router({ amount: 1 }, () => {
      if (calls++ === 0) throw new Error("boom");
      return new Response("ok");
    });
    await expect(send()).rejects.toThrow("boom");
    expect((await send()).status).toBe(200);
  });

  test("while the handler works, before any response, the slot is taken", async () => {
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    const send = router({ amount: 1 }, async () => {
      await gate;
      return new Response("late");
    });
    const pending = send();
    expect((await send()).status).toBe(429);
    finish();
    expect(await (await pending).text()).toBe("late");
    expect((await send()).status).toBe(200);
  });

  test("a body already in memory frees the slot at once and keeps its Content-Length", async () => {
    const send = router({ amount: 1 }, () => new Response("small", { headers: { "content-length": "5" } }));
    const first = await send();
    expect((await send()).status).toBe(200);
    expect(first.headers.get("content-length")).toBe("5");
    expect(await first.text()).toBe("small");
  });

  test("status, headers and body pass through the wrapper", async () => {
    const send = router({ amount: 1 }, (_req, ctx) => {
      ctx.streamedResponse = true;
      return new Response(new Blob(["streamed body"]).stream(), { status: 206, statusText: "Partial", headers: { "x-a": "1" } });
    });
    const res = await send();
    expect([res.status, res.statusText, res.headers.get("x-a"), await res.text()]).toEqual([206, "Partial", "1", "streamed body"]);
  });

  test("counts are per router: each use of the middleware has its own", async () => {
    const mw = mustBuild("inFlightReq", { amount: 1 });
    const { handler } = heldBackend();
    const one = mw(handler);
    const two = mw(handler);
    const req = () => new Request("http://a.test/");
    expect((await one(req(), testContext(req()), testConn())).status).toBe(200);
    expect((await two(req(), testContext(req()), testConn())).status).toBe(200);
    expect((await one(req(), testContext(req()), testConn())).status).toBe(429);
  });

  test.each([
    [{}, "amount", "is required"],
    [{ amount: 0 }, "amount", "expected an integer >= 1, got 0"],
    [{ amount: -3 }, "amount", "expected an integer >= 1"],
    [{ amount: 1.5 }, "amount", "expected an integer"],
    [{ amount: "many" }, "amount", "expected an integer"],
    [{ amount: 1, sourceCriterion: { ipStrategy: {}, requestHost: true } }, "sourceCriterion", "mutually exclusive"],
    [{ amount: 1, sourceCriterion: { ipStrategy: { depth: -1.5 } } }, "sourceCriterion.ipStrategy.depth", "expected an integer"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("inFlightReq", options);
    expect(middleware).toBeUndefined();
    expect(problems.find((p) => p.path === path)?.message).toContain(message);
  });

  test("unknown options are warnings", () => {
    const { middleware, problems } = buildKind("inFlightReq", { amount: 1, amont: 2 });
    expect(middleware).toBeDefined();
    expect(problems).toEqual([{ path: "amont", severity: "warning", message: 'unknown option "amont" (did you mean "amount"?), ignored' }]);
  });
});
