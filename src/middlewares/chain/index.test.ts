import { describe, expect, test } from "bun:test";
import type { Middleware } from "../../server/handler.ts";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";

const tag = (v: string): Middleware => (next) => (req, ctx, conn) => {
  const headers = new Headers(req.headers);
  headers.append("x-order", v);
  return next(new Request(req.url, { method: req.method, headers }), ctx, conn);
};

describe("chain", () => {
  test("applies its middlewares in order", async () => {
    const known: Record<string, { middleware: Middleware }> = { "a@file": { middleware: tag("a") }, "b@file": { middleware: tag("b") } };
    const mw = mustBuild("chain", { middlewares: ["a@file", "b@file"] }, { middleware: (r) => known[r] ?? `middleware "${r}" does not exist` });
    expect((await echoed((await run(mw, "http://x.test/")).res))!.headers["x-order"]).toBe("a, b");
  });

  test("a missing member is an error at its index", () => {
    const { middleware, problems } = buildKind("chain", { middlewares: ["gone@file"] });
    expect(middleware).toBeUndefined();
    expect(problems).toEqual([{ path: "middlewares[0]", severity: "error", message: 'middleware "gone@file" does not exist' }]);
  });

  test("middlewares is required", () => {
    expect(buildKind("chain", {}).problems[0]).toMatchObject({ path: "middlewares", message: "is required" });
  });
});
