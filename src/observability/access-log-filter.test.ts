import { describe, expect, test } from "bun:test";
import { buildFilter, parseStatusRanges } from "./access-log-filter.ts";

describe("parseStatusRanges", () => {
  test.each([
    [["200"], [[200, 200]]],
    [["300-302"], [[300, 302]]],
    [["200", "300-302"], [[200, 200], [300, 302]]],
    [["200,404-410"], [[200, 200], [404, 410]]],
  ])("%p", (input, want) => {
    expect(parseStatusRanges(input)).toEqual(want as [number, number][]);
  });

  test.each([["abc"], ["200-"], ["1-2-3"], ["302-300"]])("rejects %p", (bad) => {
    expect(() => parseStatusRanges([bad])).toThrow();
  });
});

describe("buildFilter", () => {
  const r = (status: number, retryAttempts = 0, durationMs = 1) => ({ status, retryAttempts, durationMs });

  test.each([
    ["no filters", undefined, r(500), true],
    ["empty filters keep all", {}, r(500), true],
    ["status in a range", { statusCodes: ["200", "300-302"] }, r(301), true],
    ["status on a bound", { statusCodes: ["300-302"] }, r(302), true],
    ["status outside", { statusCodes: ["200", "300-302"] }, r(404), false],
    ["retry filter with retries", { retryAttempts: true }, r(200, 1), true],
    ["retry filter without retries", { retryAttempts: true }, r(200, 0), false],
    ["slower than minDuration", { minDurationMs: 10 }, r(200, 0, 10.5), true],
    ["exactly minDuration is not slower", { minDurationMs: 10 }, r(200, 0, 10), false],
    ["filters are OR-ed: status misses, retry hits", { statusCodes: ["500-599"], retryAttempts: true }, r(200, 2), true],
    ["filters are OR-ed: all miss", { statusCodes: ["500-599"], retryAttempts: true, minDurationMs: 100 }, r(200, 0, 5), false],
  ] as const)("%s", (_name, filters, input, want) => {
    const built = buildFilter(filters === undefined ? undefined : { ...filters, statusCodes: filters && "statusCodes" in filters ? [...filters.statusCodes] : undefined });
    expect(built.keep(input)).toBe(want);
  });

  test("a bad statusCodes entry is reported and that filter ignored", () => {
    const built = buildFilter({ statusCodes: ["2xx"], minDurationMs: 50 });
    expect(built.error).toContain("2xx");
    expect(built.keep(r(200, 0, 10))).toBe(false);
    expect(built.keep(r(200, 0, 60))).toBe(true);
  });
});
