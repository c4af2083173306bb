import { describe, expect, test } from "bun:test";
import { aggregate, classify, forwardedPercent, lateAnswers, predictedTripMs, transitions, type Sample } from "./timeline-circuit-breaker.ts";

const ok = (sentMs: number): Sample => ({ sentMs, status: 200, fromBackend: true });
const fail = (sentMs: number): Sample => ({ sentMs, status: 500, fromBackend: true });
const cb = (sentMs: number): Sample => ({ sentMs, status: 503, fromBackend: false });
const err = (sentMs: number): Sample => ({ sentMs, status: 0, fromBackend: false });

/** `count` samples every `stepMs` from `fromMs`, made by `make`. */
const series = (make: (ms: number) => Sample, fromMs: number, count: number, stepMs = 10) =>
  Array.from({ length: count }, (_, i) => make(fromMs + i * stepMs));

describe("classify", () => {
  test.each([
    ["backend 200", ok(0), "forwarded"],
    ["backend 500", fail(0), "forwarded"],
    ["a 503 the backend sent itself", { sentMs: 0, status: 503, fromBackend: true }, "forwarded"],
    ["breaker 503", cb(0), "breaker"],
    ["network error", err(0), "other"],
    ["a 502 from Sluice", { sentMs: 0, status: 502, fromBackend: false }, "other"],
  ] as const)("%s", (_, sample, kind) => {
    expect(classify(sample)).toBe(kind);
  });
});

describe("aggregate", () => {
  test("counts each kind in the bucket of its send time", () => {
    const samples = [ok(0), ok(249), fail(250), cb(260), cb(499), err(500), { sentMs: 510, status: 404, fromBackend: true }];
    const buckets = aggregate(samples, [1, 200, 300, 740], 250, 750);
    expect(buckets.map((b) => [b.startMs, b.sent, b.ok, b.backend500, b.breaker503, b.other, b.reached])).toEqual([
      [0, 2, 2, 0, 0, 0, 2],
      [250, 3, 0, 1, 2, 0, 1],
      [500, 2, 0, 0, 0, 2, 1],
    ]);
  });

  test("drops samples and hits outside [0, span) and rounds the bucket count up", () => {
    const buckets = aggregate([ok(-1), ok(0), ok(999), ok(1000)], [-5, 1000, 999], 400, 1000);
    expect(buckets.map((b) => b.startMs)).toEqual([0, 400, 800]);
    expect(buckets.map((b) => b.sent)).toEqual([1, 0, 1]);
    expect(buckets.map((b) => b.reached)).toEqual([0, 0, 1]);
  });

  test("every sample in range is counted exactly once", () => {
    const samples = [...series(ok, 0, 100, 7), ...series(cb, 3, 100, 7), ...series(fail, 5, 50, 13)];
    const buckets = aggregate(samples, [], 250, 2000);
    const total = buckets.reduce((n, b) => n + b.sent, 0);
    const kinds = buckets.reduce((n, b) => n + b.ok + b.backend500 + b.breaker503 + b.other, 0);
    expect(total).toBe(samples.filter((s) => s.sentMs < 2000).length);
    expect(kinds).toBe(total);
  });

  test("forwardedPercent ignores errors and shows - for an empty bucket", () => {
    const [mixed, empty] = aggregate([ok(0), fail(1), cb(2), cb(3), err(4)], [], 100, 200);
    expect(forwardedPercent(mixed!)).toBe("50%");
    expect(forwardedPercent(empty!)).toBe("-");
  });
});

describe("transitions", () => {
  test("trip, recovery ramp, close", () => {
    const samples = [
      ...series(ok, 0, 100), // 0..990
      ...series(fail, 1000, 20), // 1000..1190
      ...series(cb, 1200, 210), // tripped 1200..3290
      ok(3300), cb(3310), cb(3320), ok(3330), cb(3340), ok(3350), ok(3360), // ramp
      ...series(ok, 3370, 100), // closed
    ];
    expect(transitions(samples, 1000, 500)).toEqual([
      { kind: "tripped", atMs: 1200 },
      { kind: "recovering", atMs: 3300 },
      { kind: "closed", atMs: 3350 },
    ]);
  });

  test("a 500 during recovery trips again; only the last cycle closes", () => {
    const samples = [
      ...series(cb, 0, 150), // 0..1490
      fail(1500),
      ...series(cb, 1510, 150), // 1510..3000
      ok(3010), cb(3020),
      ...series(ok, 3030, 80),
    ];
    expect(transitions(samples, 1000, 500)).toEqual([
      { kind: "tripped", atMs: 0 },
      { kind: "recovering", atMs: 1500 },
      { kind: "tripped", atMs: 1510 },
      { kind: "recovering", atMs: 3010 },
      { kind: "closed", atMs: 3030 },
    ]);
  });

  test("short runs of 503 are not trips; errors and send order do not matter", () => {
    const samples = [...series(ok, 0, 50), ...series(cb, 500, 50), err(700), ...series(cb, 1000, 5)].reverse();
    expect(transitions(samples, 1000, 500)).toEqual([]);
    const longRun = [...series(cb, 0, 60), err(300), ...series(cb, 600, 60)].reverse();
    expect(transitions(longRun, 1000, 500)).toEqual([{ kind: "tripped", atMs: 0 }]);
  });

  test("not closed when the load ends too soon after the last refusal", () => {
    const samples = [...series(cb, 0, 150), ok(1500), cb(1510), ...series(ok, 1520, 10)];
    expect(transitions(samples, 1000, 500)).toEqual([
      { kind: "tripped", atMs: 0 },
      { kind: "recovering", atMs: 1500 },
    ]);
  });
});

describe("predictedTripMs", () => {
  test("first forwarded answer after which the 5xx share passes the threshold", () => {
    // 30 ok, then 500s: share > 0.25 once failed / (30 + failed) > 0.25, i.e. the 11th 500.
    const samples = [...series(ok, 0, 30), ...series(fail, 300, 20), ...series(cb, 305, 5, 1)];
    expect(predictedTripMs(samples, 0.25)).toBe(300 + 10 * 10);
  });

  test("undefined when the share never passes it", () => {
    expect(predictedTripMs([...series(ok, 0, 30), ...series(fail, 300, 10)], 0.25)).toBeUndefined();
  });
});

describe("lateAnswers", () => {
  test("forwarded answers sent before a trip that arrived after it", () => {
    const slow = { ...fail(1190), doneMs: 1290 };
    const samples = [
      { ...ok(1000), doneMs: 1001 },
      { ...fail(1180), doneMs: 1199 }, // back before the trip
      slow,
      { ...cb(1150), doneMs: 1400 }, // the breaker's own answer: not forwarded
      ...series(cb, 1200, 150),
      { ...fail(2700), doneMs: 2900 }, // sent after the only trip
    ];
    const found = transitions(samples, 1000, 500);
    expect(found[0]).toEqual({ kind: "tripped", atMs: 1200 });
    expect(lateAnswers(samples, found)).toEqual([slow]);
    expect(lateAnswers(samples, [])).toEqual([]);
  });
});
