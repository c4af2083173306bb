import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../../net/ip-range.ts";
import type { Middleware } from "../../server/handler.ts";
import { buildKind, echoHandler, mustBuild, testConn, testContext } from "../testing.ts";
import { formatGoDuration } from "./go-duration.ts";
import { rateLimitSettings } from "./index.ts";
import { TokenBuckets } from "./token-buckets.ts";

/** Sends `n` requests at once through one router instance; returns the statuses in order. */
async function burstOf(mw: Middleware, n: number, opts: { peer?: string; headers?: Record<string, string>; host?: string } = {}) {
  const handler = mw(echoHandler);
  const out: Response[] = [];
  for (let i = 0; i < n; i++) {
    const req = new Request(`http://${opts.host ?? "a.test"}/`, { headers: opts.headers });
    const conn = testConn({ clientIp: opts.peer ?? "127.0.0.1", trust: { insecure: true, trusted: IpRangeList.parse([]).list } });
    out.push(await handler(req, testContext(req, conn), conn));
  }
  return out;
}

const statuses = (rs: Response[]) => rs.map((r) => r.status);

describe("rateLimit options", () => {
  test.each([
    // [average, period ms, burst] -> rate/s, burst, maxDelay ms
    [100, 1000, 50, 100, 50, 5],
    [200, 1000, 1, 200, 1, 2.5],
    [6, 60_000, 1, 0.1, 1, 500], // below 1/s: maxDelay capped at 500 ms
    [3, 1000, 0, 3, 1, 166.666666], // burst 0 counts as 1; Go's integer division of nanoseconds
    [0, 1000, 10, 0, 10, 0], // average 0: no limit
  ])("average %p per %p ms, burst %p -> %p/s, burst %p, maxDelay %p ms", (average, period, burst, rate, wantBurst, maxDelay) => {
    const s = rateLimitSettings(average, period, burst);
    expect([s.ratePerSecond, s.burst]).toEqual([rate, wantBurst]);
    expect(s.maxDelayMs).toBeCloseTo(maxDelay, 5);
  });

  test.each([
    [{ average: 1.5 }, "average", "expected an integer"],
    [{ average: "lots" }, "average", "expected an integer"],
    [{ average: 1, period: "-1s" }, "period", "expected a duration"],
    [{ average: 1, period: "soon" }, "period", "expected a duration"],
    [{ average: 1, burst: "x" }, "burst", "expected an integer"],
    [{ average: 1, sourceCriterion: { requestHost: true, requestHeaderName: "X-A" } }, "sourceCriterion", "mutually exclusive"],
    [{ average: 1, sourceCriterion: { ipStrategy: { excludedIPs: ["bad"] } } }, "sourceCriterion.ipStrategy.excludedIPs", "invalid IP"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("rateLimit", options);
    expect(middleware).toBeUndefined();
    expect(problems.find((p) => p.path === path)?.message).toContain(message);
  });

  test.each([
    [{ average: -5 }, "average", "means no limit"],
    [{ average: 5, burst: -1 }, "burst", "counts as 1"],
    [{ average: 5, brust: 3 }, "brust", 'did you mean "burst"'],
  ])("options %p warn at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("rateLimit", options);
    expect(middleware).toBeDefined();
    expect(problems.find((p) => p.path === path)?.message).toContain(message);
  });
});

describe("rateLimit requests", () => {
  test.each([
    // options, requests sent at once, statuses expected
    [{ average: 1, period: "1m", burst: 3 }, 5, [200, 200, 200, 429, 429]],
    [{ average: 1, period: 60 }, 2, [200, 429]], // burst defaults to 1; a bare period is seconds
    [{ average: 100, burst: 5 }, 7, [200, 200, 200, 200, 200, 429, 429]],
    [{ average: 0, burst: 1 }, 5, [200, 200, 200, 200, 200]], // no limit
    [{}, 5, [200, 200, 200, 200, 200]], // average defaults to 0
  ])("%p: %p requests give %p", async (options, n, want) => {
    expect(statuses(await burstOf(mustBuild("rateLimit", options), n))).toEqual(want);
  });

  test("a refusal carries Retry-After (whole seconds, rounded up) and X-Retry-In", async () => {
    const [, slow] = await burstOf(mustBuild("rateLimit", { average: 1, period: "1m" }), 2);
    expect(slow!.status).toBe(429);
    expect(Number(slow!.headers.get("retry-after"))).toBeOneOf([59, 60]);
    expect(slow!.headers.get("x-retry-in")).toMatch(/^(59\.\d+s|1m0s)$/);
    expect((await slow!.text()).trim()).toBe("Too Many Requests");

    const [, fast] = await burstOf(mustBuild("rateLimit", { average: 1 }), 2);
    expect(fast!.headers.get("retry-after")).toBe("1"); // ~1s left, rounded up
    expect(fast!.headers.get("x-retry-in")).toMatch(/^9\d\d(\.\d+)?ms|1s$/);
  });

  test("each source has its own bucket: the peer address by default", async () => {
    const mw = mustBuild("rateLimit", { average: 1, period: "1m" });
    const handler = mw(echoHandler);
    const send = (peer: string) => {
      const req = new Request("http://a.test/");
      const conn = testConn({ clientIp: peer });
      return handler(req, testContext(req, conn), conn);
    };
    expect([(await send("10.0.0.1")).status, (await send("10.0.0.2")).status, (await send("10.0.0.1")).status]).toEqual([200, 200, 429]);
  });

  test.each([
    [{ requestHeaderName: "X-Key" }, { headers: { "x-key": "a" } }, { headers: { "x-key": "b" } }],
    [{ requestHost: true }, { host: "a.test" }, { host: "b.test" }],
    [{ ipStrategy: { depth: 1 } }, { headers: { "x-forwarded-for": "1.1.1.1" } }, { headers: { "x-forwarded-for": "2.2.2.2" } }],
    [{ ipStrategy: { ipv6Subnet: 64 } }, { peer: "2001:db8:0:1::1" }, { peer: "2001:db8:0:2::1" }],
  ])("sourceCriterion %p separates %p from %p", async (criterion, a, b) => {
    const mw = mustBuild("rateLimit", { average: 1, period: "1m", sourceCriterion: criterion });
    const handler = mw(echoHandler);
    const send = async (opts: { peer?: string; headers?: Record<string, string>; host?: string }) => {
      const req = new Request(`http://${opts.host ?? "a.test"}/`, { headers: opts.headers });
      const conn = testConn({ clientIp: opts.peer ?? "127.0.0.1", trust: { insecure: true, trusted: IpRangeList.parse([]).list } });
      return (await handler(req, testContext(req, conn), conn)).status;
    };
    expect([await send(a), await send(b), await send(a), await send(b)]).toEqual([200, 200, 429, 429]);
  });

  test("ipv6Subnet groups a prefix into one source", async () => {
    const mw = mustBuild("rateLimit", { average: 1, period: "1m", sourceCriterion: { ipStrategy: { ipv6Subnet: 64 } } });
    const handler = mw(echoHandler);
    const send = async (peer: string) => {
      const req = new Request("http://a.test/");
      const conn = testConn({ clientIp: peer });
      return (await handler(req, testContext(req, conn), conn)).status;
    };
    expect([await send("2001:db8:0:1::1"), await send("2001:db8:0:1::2")]).toEqual([200, 429]);
  });

  test("buckets are per router: each use of the middleware counts on its own", async () => {
    const mw = mustBuild("rateLimit", { average: 1, period: "1m" });
    expect(statuses([...(await burstOf(mw, 1)), ...(await burstOf(mw, 1))])).toEqual([200, 200]);
  });

  test("a request short of its token by under maxDelay waits for it instead of being refused", async () => {
    // 2/s: a token every 500 ms, maxDelay 250 ms (wide margins: timers on a busy machine run late).
    const handler = mustBuild("rateLimit", { average: 2 })(echoHandler);
    const send = async () => {
      const req = new Request("http://a.test/");
      const t0 = performance.now();
      const res = await handler(req, testContext(req), testConn());
      return { status: res.status, ms: performance.now() - t0 };
    };
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(429); // 500 ms short
    await Bun.sleep(320); // now ~180 ms short
    const waited = await send();
    expect(waited.status).toBe(200);
    expect(waited.ms).toBeGreaterThan(20);
  });
});

describe("TokenBuckets (x/time/rate arithmetic on a fake clock)", () => {
  test("refills at the rate, up to burst", () => {
    const b = new TokenBuckets(0.01, 3, 50); // 10/s
    const at = (t: number) => b.take("s", t);
    expect([at(0), at(0), at(0)]).toEqual([0, 0, 0]); // the burst
    expect(at(0)).toBeCloseTo(-100, 6); // next token in 100 ms: refused
    expect(at(60)).toBeCloseTo(40, 6); // 40 ms short, under maxDelay: admitted after 40 ms
    expect(at(60)).toBeCloseTo(-140, 6); // that token was spent in advance
    expect([at(10_000), at(10_000), at(10_000)]).toEqual([0, 0, 0]); // refilled to burst, not beyond
    expect(at(10_000)).toBeLessThan(0);
  });

  test("a refused request takes no token", () => {
    const b = new TokenBuckets(0.001, 1, 10); // 1/s
    expect(b.take("s", 0)).toBe(0);
    for (let t = 100; t < 1000; t += 100) expect(b.take("s", t)).toBeLessThan(0);
    expect(b.take("s", 1000)).toBe(0);
  });

  test("a clock going backwards refills nothing", () => {
    const b = new TokenBuckets(0.001, 1, 0);
    expect(b.take("s", 5000)).toBe(0);
    expect(b.take("s", 4000)).toBeCloseTo(-1000, 6);
  });

  test("full buckets are dropped (a new one is the same), so idle sources cost no memory", () => {
    const b = new TokenBuckets(0.01, 2, 0); // full again 200 ms after its last take
    for (let i = 0; i < 100; i++) b.take(`s${i}`, 0);
    expect(b.size).toBe(100);
    for (let i = 0; i < 60; i++) b.take("live", 1000 + i * 1000);
    expect(b.size).toBe(1); // two stale buckets go per call
  });

  test("never more than maxSources buckets: the least recently used goes", () => {
    const b = new TokenBuckets(0.000001, 1, 0, 3); // refill takes ~17 min: nothing is full
    for (const s of ["a", "b", "c"]) b.take(s, 0);
    b.take("a", 1); // a is now the most recent
    b.take("d", 2); // evicts b
    expect(b.size).toBe(3);
    expect(b.take("a", 3)).toBeLessThan(0); // a kept its empty bucket
    expect(b.take("b", 3)).toBe(0); // b starts over, full
  });
});

describe("Go duration text", () => {
  test.each([
    [0, "0s"],
    [999, "999ns"],
    [1500, "1.5µs"],
    [4_999_000, "4.999ms"],
    [999_999_999, "999.999999ms"],
    [1e9, "1s"],
    [59.5e9, "59.5s"],
    [60e9, "1m0s"],
    [3_600e9, "1h0m0s"],
    [3_723.25e9, "1h2m3.25s"],
    [-2e6, "-2ms"],
  ])("%p ns is %p", (ns, want) => {
    expect(formatGoDuration(ns)).toBe(want);
  });
});
