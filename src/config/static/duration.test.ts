import { describe, expect, test } from "bun:test";
import { parseDuration, tryParseDuration } from "./duration.ts";

describe("parseDuration", () => {
  const ok: [string | number, number][] = [
    ["10s", 10_000],
    ["1m30s", 90_000],
    ["100ms", 100],
    ["1h", 3_600_000],
    ["1.5h", 5_400_000],
    ["2h45m", 9_900_000],
    ["500us", 0.5],
    ["500µs", 0.5],
    ["1000000ns", 1],
    ["-1s", -1000],
    ["0", 0],
    ["10", 10_000], // a bare number means seconds, as Traefik
    [" 42 ", 42_000],
    [10, 10_000],
    [0.25, 250],
  ];
  test.each(ok)("%p -> %p ms", (input, ms) => {
    expect(parseDuration(input)).toBeCloseTo(ms, 9);
  });

  const bad: (string | number)[] = ["", "abc", "10x", "s", "1h30", "1 h", "--1s", "1s-", Number.NaN, Number.POSITIVE_INFINITY];
  test.each(bad)("%p is rejected with what was expected", (input) => {
    expect(() => parseDuration(input)).toThrow(/expected a duration like "10s"/);
    expect(tryParseDuration(input)).toBeUndefined();
  });
});
