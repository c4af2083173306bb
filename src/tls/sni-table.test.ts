import { expect, test } from "bun:test";
import { SniTable } from "./sni-table.ts";

const t = new SniTable<string>();
t.set("a.test", "exact");
t.set("*.a.test", "wild");
t.set("*.b.test", "wild-b");

test.each([
  ["a.test", "exact"],
  ["A.TEST", "exact"],
  ["x.a.test", "wild"],
  ["x.y.a.test", undefined],
  ["b.test", undefined],
  ["x.b.test", "wild-b"],
  ["other.test", undefined],
  ["", undefined],
])("%p -> %p", (host, want) => {
  expect(t.get(host)).toBe(want as string | undefined);
});
