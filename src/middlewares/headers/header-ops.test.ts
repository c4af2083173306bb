import { describe, expect, test } from "bun:test";
import { writerOwns } from "../../server/raw/response-writer.ts";
import { appendsOf, LIST_OPS } from "./header-ops.ts";

describe("appendsOf", () => {
  test("the lines an edit plan adds to a head without its fields, and a test for every field it looks at", () => {
    const a = appendsOf((h, ops) => {
      ops.set(h, "x-frame-options", "X-Frame-Options", "DENY");
      if (ops.get(h, "x-content-type-options") === null) ops.set(h, "x-content-type-options", "X-Content-Type-Options", "nosniff");
      ops.delete(h, "server");
    }, writerOwns)!;
    expect(a.lines).toBe("X-Frame-Options: DENY\r\nX-Content-Type-Options: nosniff\r\n");
    for (const head of ["X-Frame-Options: SAMEORIGIN\r\n", "A: 1\r\nserver: up\r\n", "A: 1\r\nX-CONTENT-TYPE-OPTIONS : x\r\n"]) expect(a.touches.test(head)).toBe(true);
    for (const head of ["A: 1\r\nX-Server: up\r\n", "A: server: 1\r\n", ""]) expect(a.touches.test(head)).toBe(false);
    // What the list form does to a head without those fields is exactly the appended lines.
    const list: [string, string][] = [["A", "1"]];
    LIST_OPS.set(list, "x-frame-options", "X-Frame-Options", "DENY");
    LIST_OPS.set(list, "x-content-type-options", "X-Content-Type-Options", "nosniff");
    expect(list.slice(1).map(([n, v]) => `${n}: ${v}\r\n`).join("")).toBe(a.lines);
  });

  test("none when it would add a framing field the writer owns (a list would have dropped it)", () => {
    expect(appendsOf((h, ops) => ops.set(h, "content-length", "Content-Length", "5"), writerOwns)).toBeUndefined();
  });

  test("a plan that looks at nothing never forces the list form", () => {
    const a = appendsOf(() => {}, writerOwns)!;
    expect(a.lines).toBe("");
    expect(a.touches.test("Anything: 1\r\n")).toBe(false);
  });
});
