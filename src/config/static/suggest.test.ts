import { describe, expect, test } from "bun:test";
import { didYouMean, editDistance } from "./suggest.ts";

describe("didYouMean", () => {
  const names = ["address", "forwardedHeaders", "transport", "http", "asDefault"];
  const cases: [string, string | undefined][] = [
    ["adress", "address"],
    ["ADDRES", "address"],
    ["forwardedheader", "forwardedHeaders"],
    ["trasnport", "transport"], // transposition
    ["htp", "http"],
    ["zzzzzz", undefined],
    ["tls", undefined],
  ];
  test.each(cases)("%p -> %p", (input, want) => {
    expect(didYouMean(input, names)).toBe(want);
  });

  test("edit distance", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("ab", "ba")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });
});
