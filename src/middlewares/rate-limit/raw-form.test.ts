import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../../net/ip-range.ts";
import type { RawRouteHandler } from "../../server/handler.ts";
import { mustBuild, testConn } from "../testing.ts";
import { fakeExchange, mustBuildRaw, rawTestContext, recordingNext, type RawForwarded } from "../raw-testing.ts";
import "./index.ts";

// The raw form: same buckets arithmetic, same 429 as the Request form.

const trustAll = { insecure: true, trusted: IpRangeList.parse([]).list };

/** Sends `n` exchanges one after the other through one router instance of the raw form. */
async function rawBurst(handler: RawRouteHandler, n: number, peer = "127.0.0.1", headers: [string, string][] = []) {
  const out: { status: number; headers: [string, string][]; body: string; doneCalls: number }[] = [];
  for (let i = 0; i < n; i++) {
    const ex = fakeExchange({ remoteAddress: peer, headers });
    const conn = testConn({ clientIp: peer, trust: trustAll });
    let doneCalls = 0;
    await new Promise<void>((resolve) => handler(ex, rawTestContext(ex, conn), conn, () => (doneCalls++, resolve())));
    out.push({ status: ex.response!.status, headers: ex.response!.headers, body: ex.response!.body, doneCalls });
  }
  return out;
}

const into: { forwarded: RawForwarded | null } = { forwarded: null };

describe("rateLimit raw form", () => {
  test("a burst of 3 goes through, then 429 with the same answer as the Request form", async () => {
    const options = { average: 1, period: "1m", burst: 3 };
    const got = await rawBurst(mustBuildRaw("rateLimit", options)(recordingNext(into)), 5);
    expect(got.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(got.every((r) => r.doneCalls === 1)).toBe(true);
    const refused = got[3];
    expect(refused.body).toBe("Too Many Requests\n");
    const fields = Object.fromEntries(refused.headers);
    expect(Number(fields["retry-after"])).toBeOneOf([59, 60]);
    expect(fields["x-retry-in"]).toMatch(/^(59\.\d+s|1m0s)$/);

    // The Request form's 429, for the same state, carries the same fields.
    const mw = mustBuild("rateLimit", options);
    const handler = mw(() => new Response("ok"));
    const conn = testConn();
    let res: Response | undefined;
    for (let i = 0; i < 4; i++) {
      const req = new Request("http://a.test/");
      res = await handler(req, { ...rawTestContext(fakeExchange(), conn), requestHeaders: req.headers }, conn);
    }
    expect(res!.status).toBe(429);
    expect(Object.keys(fields).sort()).toEqual([...res!.headers.keys()].sort());
    expect(fields["content-type"]).toBe(res!.headers.get("content-type")!);
    expect(refused.body).toBe(await res!.text());
  });

  test("sources are counted apart: a second client is not limited by the first", async () => {
    const handler = mustBuildRaw("rateLimit", { average: 1, period: "1m", burst: 1 })(recordingNext(into));
    expect((await rawBurst(handler, 2, "192.0.2.1")).map((r) => r.status)).toEqual([200, 429]);
    expect((await rawBurst(handler, 1, "192.0.2.2")).map((r) => r.status)).toEqual([200]);
  });

  test("requestHeaderName groups by the header, read from the head's field list", async () => {
    const handler = mustBuildRaw("rateLimit", { average: 1, period: "1m", burst: 1, sourceCriterion: { requestHeaderName: "X-Api-Key" } })(recordingNext(into));
    expect((await rawBurst(handler, 2, "192.0.2.1", [["x-API-key", "k1"]])).map((r) => r.status)).toEqual([200, 429]);
    expect((await rawBurst(handler, 1, "192.0.2.1", [["X-Api-Key", "k2"]])).map((r) => r.status)).toEqual([200]);
  });

  test("a request that would wait at most maxDelay is delayed, then forwarded", async () => {
    // 4/s: a token every 250 ms, maxDelay 125 ms. Burst 1 used, the next 250 ms away: refused;
    // 150 ms later it is ~100 ms away: delayed (any sleep between 125 and 250 ms would do).
    const handler = mustBuildRaw("rateLimit", { average: 4, burst: 1 })(recordingNext(into));
    expect((await rawBurst(handler, 2)).map((r) => r.status)).toEqual([200, 429]);
    await Bun.sleep(150);
    const started = performance.now();
    const [delayed] = await rawBurst(handler, 1);
    expect(delayed.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThan(5);
  });

  test("a client gone during the delay is not forwarded; done is called once", async () => {
    const handler = mustBuildRaw("rateLimit", { average: 4, burst: 1 })(recordingNext(into));
    await rawBurst(handler, 1);
    await Bun.sleep(150);
    const ex = fakeExchange();
    const conn = testConn();
    const ctx = rawTestContext(ex, conn);
    let doneCalls = 0;
    const finished = new Promise<void>((resolve) => handler(ex, ctx, conn, () => (doneCalls++, resolve())));
    ex.abort("client went away");
    await finished;
    expect([ex.response, ctx.downstreamStatus, doneCalls]).toEqual([null, 499, 1]);
  });

  test("average 0 has no limit on the raw form either", async () => {
    const handler = mustBuildRaw("rateLimit", { average: 0 })(recordingNext(into));
    expect((await rawBurst(handler, 5)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });
});
