import { describe, expect, test } from "bun:test";
import type { Handler } from "../../server/handler.ts";
import { compilePredicate } from "../expression/index.ts";
import { buildKind, mustBuild, run } from "../testing.ts";
import { CircuitBreaker } from "./breaker.ts";
import { CIRCUIT_BREAKER_FUNCTIONS } from "./index.ts";
import { RollingMetrics } from "./rolling-metrics.ts";

// Where Sluice differs from Traefik (oxy cbreaker) on purpose:
// - a network error is Sluice's own 502/504 with no response from the backend
//   (ctx.originStatus unset); oxy counts every 502/504, a backend's own too.
// - latency is measured to the response head, not to the end of the body
//   (bodies stream through Sluice; oxy's writer sees the whole body).
// - responseCode must be 100-599; the fallback body is the status text.

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe("rolling metrics", () => {
  test("ratios and quantiles over the window", () => {
    const c = clock();
    const m = new RollingMetrics({ now: c.now });
    expect([m.networkErrorRatio(), m.responseCodeRatio(500, 600, 0, 600), m.latencyAtQuantileMs(50)]).toEqual([0, 0, 0]);
    for (let i = 0; i < 6; i++) m.record(200, 10, false);
    m.record(500, 100, false);
    m.record(503, 100, false);
    m.record(502, 1, true);
    m.record(404, 1000, false);
    expect(m.total()).toBe(10);
    expect(m.networkErrorRatio()).toBeCloseTo(0.1);
    expect(m.responseCodeRatio(500, 600, 0, 600)).toBeCloseTo(0.3);
    expect(m.responseCodeRatio(500, 501, 500, 600)).toBeCloseTo(1 / 3);
    expect(m.responseCodeRatio(400, 500, 600, 700)).toBe(0); // empty divisor
    expect(m.latencyAtQuantileMs(50)).toBeCloseTo(10, 0);
    expect(m.latencyAtQuantileMs(80)).toBeCloseTo(100, -1);
    expect(m.latencyAtQuantileMs(100)).toBeCloseTo(1000, -2);
  });

  test("buckets older than the window are forgotten", () => {
    const c = clock();
    const m = new RollingMetrics({ now: c.now, buckets: 10, resolutionMs: 1000 });
    m.record(502, 1, true);
    c.advance(5000);
    m.record(200, 1, false);
    expect(m.networkErrorRatio()).toBeCloseTo(0.5);
    c.advance(5500); // the first bucket is now 10.5 s old
    expect(m.networkErrorRatio()).toBe(0);
    expect(m.total()).toBe(1);
    m.reset();
    expect(m.total()).toBe(0);
  });
});

describe("breaker states", () => {
  const make = (c: ReturnType<typeof clock>, expr = "NetworkErrorRatio() > 0.5") =>
    new CircuitBreaker({
      condition: compilePredicate(expr, CIRCUIT_BREAKER_FUNCTIONS),
      checkPeriodMs: 100,
      fallbackDurationMs: 1000,
      recoveryDurationMs: 1000,
      now: c.now,
    });

  test("closed -> tripped -> recovering -> closed", () => {
    const c = clock();
    const b = make(c);
    expect(b.allow()).toBe(true);
    b.record(502, 1, true); // first check is due at once: ratio 1 > 0.5
    expect(b.state).toBe("tripped");
    expect(b.metrics.total()).toBe(0); // reset on trip
    c.advance(999);
    expect(b.allow()).toBe(false);
    c.advance(1);
    // Recovery starts: at first almost nothing passes, then a growing share.
    const passed: number[] = [];
    for (let slice = 0; slice < 4; slice++) {
      let n = 0;
      for (let i = 0; i < 100; i++) {
        if (b.allow()) n++;
        c.advance(2.5);
      }
      passed.push(n);
      expect(b.state).toBe("recovering");
    }
    expect(passed[0]!).toBeLessThan(passed[3]!);
    expect(passed[0]!).toBeLessThan(35);
    expect(passed[3]!).toBeGreaterThan(60);
    expect(b.allow()).toBe(true);
    expect(b.state).toBe("closed");
  });

  test("the expression is checked at most once per checkPeriod", () => {
    const c = clock();
    const b = make(c);
    b.record(200, 1, false); // check done now: healthy
    b.record(502, 1, true);
    b.record(502, 1, true); // ratio 2/3 but next check is 100 ms away
    expect(b.state).toBe("closed");
    c.advance(100);
    b.record(502, 1, true);
    expect(b.state).toBe("tripped");
  });

  test("a failure while recovering trips again", () => {
    const c = clock();
    const b = make(c);
    b.record(502, 1, true);
    c.advance(1000);
    b.allow(); // -> recovering
    expect(b.state).toBe("recovering");
    c.advance(500);
    while (!b.allow()) c.advance(1);
    b.record(502, 1, true);
    expect(b.state).toBe("tripped");
    expect(b.allow()).toBe(false);
  });
});

/** A backend whose behaviour the test switches. */
function switchable() {
  const s = { mode: "ok" as "ok" | "down" | "500" | "slow", calls: 0 };
  const handler: Handler = async (_req, ctx) => {
    s.calls++;
    if (s.mode === "down") {
      ctx.error = "refused";
      return new Response("Bad Gateway\n", { status: 502 });
    }
    if (s.mode === "slow") await Bun.sleep(30);
    ctx.originStatus = s.mode === "500" ? 500 : 200;
    return new Response("hi", { status: ctx.originStatus });
  };
  return { s, handler };
}

describe("circuitBreaker middleware", () => {
  const fast = { checkPeriod: "1ms", fallbackDuration: "60ms", recoveryDuration: "40ms" };

  test.each([
    ["NetworkErrorRatio() > 0.5", "down", 503, {}],
    ["ResponseCodeRatio(500, 600, 0, 600) > 0.5", "500", 503, {}],
    ["LatencyAtQuantileMS(50) > 20", "slow", 503, {}],
    ["NetworkErrorRatio() > 0.5 || ResponseCodeRatio(500, 600, 0, 600) > 0.5", "500", 418, { responseCode: 418 }],
  ] as [string, "down" | "500" | "slow", number, Record<string, unknown>][])("%p trips on a %p backend and answers %p", async (expression, mode, code, extra) => {
    const { s, handler } = switchable();
    const mw = mustBuild("circuitBreaker", { expression, ...fast, ...extra })(handler);
    const call = async () => {
      const req = new Request("http://a.test/");
      const { testContext, testConn } = await import("../testing.ts");
      const ctx = testContext(req);
      return { res: await mw(req, ctx, testConn()), ctx };
    };
    expect((await call()).res.status).toBe(200);
    s.mode = mode;
    for (let i = 0; i < 3; i++) {
      await Bun.sleep(2);
      await call(); // recorded and checked: 3 bad of 4 trips it
    }
    const before = s.calls;
    const { res, ctx } = await call();
    expect(res.status).toBe(code);
    expect(ctx.error).toContain("blocked by circuit-breaker");
    expect(s.calls).toBe(before); // the backend was not called
    // Healthy again: after fallbackDuration, recovery starts with the next
    // request (as in oxy) and lets a growing share through until it closes.
    s.mode = "ok";
    await Bun.sleep(70);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++, await Bun.sleep(2)) statuses.push((await call()).res.status);
    expect(statuses[0]).toBe(code);
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.indexOf(200)).toBeGreaterThan(0);
  });

  test("each router gets its own breaker", async () => {
    const a = switchable();
    const b = switchable();
    const mw = mustBuild("circuitBreaker", { expression: "NetworkErrorRatio() > 0.5", ...fast });
    const ha = mw(a.handler);
    const hb = mw(b.handler);
    a.s.mode = "down";
    await run((n) => n, "http://a.test/", { next: ha });
    const { res: ra } = await run((n) => n, "http://a.test/", { next: ha });
    const { res: rb } = await run((n) => n, "http://a.test/", { next: hb });
    expect([ra.status, rb.status]).toEqual([503, 200]);
  });

  test("a backend's own 502 is not a network error", async () => {
    const handler: Handler = (_req, ctx) => ((ctx.originStatus = 502), new Response("upstream says 502", { status: 502 }));
    const h = mustBuild("circuitBreaker", { expression: "NetworkErrorRatio() > 0.5", ...fast })(handler);
    await run((n) => n, "http://a.test/", { next: h });
    await Bun.sleep(2);
    const { res } = await run((n) => n, "http://a.test/", { next: h });
    expect(await res.text()).toBe("upstream says 502");
  });

  test.each([
    [{}, "expression", "is required"],
    [{ expression: "NetworkErrorRatio() >" }, "expression", "at position 22"],
    [{ expression: "Foo() > 1" }, "expression", 'unknown function "Foo"'],
    [{ expression: "ResponseCodeRatio(600, 500, 0, 600) > 0" }, "expression", "from < to"],
    [{ expression: "LatencyAtQuantileMS(150) > 0" }, "expression", "between 0 and 100"],
    [{ expression: "NetworkErrorRatio() > 0.5", checkPeriod: "often" }, "checkPeriod", "expected a duration"],
    [{ expression: "NetworkErrorRatio() > 0.5", fallbackDuration: "-1s" }, "fallbackDuration", "expected a duration"],
    [{ expression: "NetworkErrorRatio() > 0.5", recoveryDuration: [] }, "recoveryDuration", "expected a duration"],
    [{ expression: "NetworkErrorRatio() > 0.5", responseCode: 99 }, "responseCode", ">= 100"],
    [{ expression: "NetworkErrorRatio() > 0.5", responseCode: 600 }, "responseCode", "<= 599"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("circuitBreaker", options);
    expect(middleware).toBeUndefined();
    expect(problems[0]!.path).toBe(path);
    expect(problems[0]!.message).toContain(message);
  });

  test("defaults: checkPeriod 100ms, fallbackDuration 10s, recoveryDuration 10s, 503", async () => {
    const { s, handler } = switchable();
    const h = mustBuild("circuitBreaker", { expression: "NetworkErrorRatio() > 0.5" })(handler);
    s.mode = "down";
    await run((n) => n, "http://a.test/", { next: h }); // first check at once: trips
    s.mode = "ok";
    await Bun.sleep(120);
    const { res } = await run((n) => n, "http://a.test/", { next: h });
    expect(res.status).toBe(503); // still within the 10 s fallback
    expect(await res.text()).toBe("Service Unavailable\n");
  });
});
