import { describe, expect, test } from "bun:test";
import type { Measurement } from "./cases.ts";
import { caseResult, formatTable, median, percentile } from "./report.ts";

const m = (value: number, extra: Partial<Measurement> = {}): Measurement => ({ value, errors: 0, peakRssKiB: 1024, ...extra });

describe("report", () => {
  test.each([
    [[], undefined],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[1, Number.NaN, 3], 2],
  ])("median(%p) = %p", (values, want) => {
    expect(median(values)).toBe(want);
  });

  test.each([
    [[], 50, undefined],
    [[7], 99, 7],
    [[5, 1, 4, 2, 3], 50, 3],
    [[10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 50, 5],
    [[10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 99, 10],
    [[10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 0, 1],
  ])("percentile(%p, %p) = %p (nearest rank)", (values, p, want) => {
    expect(percentile(values, p)).toBe(want);
  });

  test("medians, ratio, summed errors and the highest RSS", () => {
    const r = caseResult(
      "tiny",
      "t",
      "req/s",
      { label: "nginx", samples: [m(100, { p50Ms: 1, p99Ms: 5 }), m(300, { p50Ms: 3, p99Ms: 9 }), m(200, { p50Ms: 2, p99Ms: 7 })] },
      { label: "sluice", samples: [m(50, { peakRssKiB: 4096, errors: 1 }), m(150, { peakRssKiB: 2048 }), m(100, { errors: 2 })] },
    );
    expect(r.baseline?.value).toBe(200);
    expect(r.baseline?.p50Ms).toBe(2);
    expect(r.baseline?.p99Ms).toBe(7);
    expect(r.subject?.value).toBe(100);
    expect(r.subject?.p50Ms).toBeUndefined();
    expect(r.subject?.peakRssKiB).toBe(4096);
    expect(r.subject?.errors).toBe(3);
    expect(r.ratio).toBe(0.5);
    // Round by round: 50/100, 150/300, 100/200.
    expect(r.roundRatios).toEqual([0.5, 0.5]);
  });

  test("round ratios pair the rounds and show their spread", () => {
    const r = caseResult(
      "tiny",
      "t",
      "req/s",
      { label: "nginx", samples: [m(100), m(200), m(100)] },
      { label: "sluice", samples: [m(80), m(150), m(90)] },
    );
    expect(r.roundRatios).toEqual([0.75, 0.9]);
    const line = formatTable([r]).split("\n")[2];
    expect(line).toContain("0.75-0.90");
  });

  test("one side only has no ratio", () => {
    const r = caseResult("1m", "t", "req/s", { label: "nginx", samples: [m(10)] }, undefined);
    expect(r.ratio).toBeUndefined();
    expect(r.roundRatios).toBeUndefined();
    expect(r.subject).toBeUndefined();
  });

  test("table shows throughput, ratio and flags errors", () => {
    const rows = [
      caseResult("tiny", "t", "req/s", { label: "nginx", samples: [m(40000)] }, { label: "sluice", samples: [m(30000, { errors: 4 })] }),
      caseResult("1g-down", "t", "bytes/s", { label: "nginx", samples: [m(1024 ** 3)] }, { label: "sluice", samples: [m(512 * 1024 ** 2)] }),
    ];
    const lines = formatTable(rows).split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain("40,000");
    expect(lines[2]).toContain("30,000 (4 err!)");
    expect(lines[2]).toContain("0.75x");
    expect(lines[3]).toContain("1024 MiB/s");
    expect(lines[3]).toContain("512 MiB/s");
    expect(lines[3]).toContain("0.50x");
  });

  test("new connections per second are counts, not bytes", () => {
    const row = caseResult("handshakes", "t", "conn/s", { label: "nginx", samples: [m(4000, { p50Ms: 6 })] }, { label: "sluice", samples: [m(5000, { p50Ms: 5 })] });
    const line = formatTable([row]).split("\n")[2];
    expect(line).toContain("4,000");
    expect(line).toContain("5,000");
    expect(line).toContain("1.25x");
    expect(line).toContain("6.00 / 5.00");
    expect(line).not.toContain("MiB/s");
  });
});
