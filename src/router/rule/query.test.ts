import { describe, expect, test } from "bun:test";
import { firstQueryValue, parseQuery, queryValues } from "./query.ts";

describe("query parsing", () => {
  const cases: [string, Record<string, string[]>][] = [
    ["a=1&b=2&a=3", { a: ["1", "3"], b: ["2"] }],
    ["flag&x=", { flag: [""], x: [""] }],
    ["q=a+b%21", { q: ["a b!"] }],
    ["a%3D=b%26", { "a=": ["b&"] }],
    ["bad=%zz&ok=1", { ok: ["1"] }],
    ["a=1;b=2&c=3", { c: ["3"] }],
    ["&&a=1&", { a: ["1"] }],
  ];
  test.each(cases)("%p", (raw, want) => {
    expect(Object.fromEntries(parseQuery(raw))).toEqual(want);
  });

  test("memoised per raw query and recomputed when it changes", () => {
    const first = queryValues("a=1");
    expect(queryValues("a=1")).toBe(first);
    const other = queryValues("a=2");
    expect(other).not.toBe(first);
    expect(other.get("a")).toEqual(["2"]);
    expect(firstQueryValue("a=9&a=1", "a")).toBe("9");
    expect(firstQueryValue("a=9", "b")).toBeNull();
  });
});
