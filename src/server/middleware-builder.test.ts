import { describe, expect, test } from "bun:test";
import type { Diagnostic } from "../config/diagnostic.ts";
import type { DynamicConfig } from "../config/dynamic/types.ts";
import { MiddlewareBuilder } from "./middleware-builder.ts";

function builder(middlewares: Record<string, Record<string, unknown>>) {
  const diagnostics: Diagnostic[] = [];
  const dynamic: DynamicConfig = { http: { middlewares } };
  return { b: new MiddlewareBuilder(dynamic, new Map(), diagnostics), diagnostics };
}

describe("MiddlewareBuilder", () => {
  test("a chain that reaches itself is a diagnostic, not a stack overflow", () => {
    const { b, diagnostics } = builder({
      "a@file": { chain: { middlewares: ["b@file"] } },
      "b@file": { chain: { middlewares: ["c@file"] } },
      "c@file": { chain: { middlewares: ["a@file"] } },
    });
    const result = b.get("a@file");
    expect(typeof result).toBe("string");
    expect(diagnostics.some((d) => d.message.includes("cycle: a@file -> b@file -> c@file -> a@file"))).toBe(true);
  });

  test("unqualified names resolve within the provider", () => {
    const { b } = builder({ "p@file": { addPrefix: { prefix: "/x" } } });
    expect(typeof (b.get("p") as { middleware: unknown }).middleware).toBe("function");
    expect(b.get("p@other")).toBe('middleware "p@other" does not exist');
  });

  test("option problems are reported once, at the middleware's key path", () => {
    const { b, diagnostics } = builder({ "p@file": { addPrefix: { prefix: "x" } } });
    b.get("p@file");
    b.get("p@file");
    expect(diagnostics).toEqual([
      { severity: "error", path: "http.middlewares.p@file.addPrefix.prefix", message: 'middleware p@file: prefix: must start with "/", got "x"' },
    ]);
  });

  test("a kind not implemented yet says so", () => {
    const { b } = builder({ "g@file": { grpcWeb: {} } });
    expect(b.get("g@file")).toBe('middleware "g@file": kind "grpcWeb" is not implemented yet');
  });
});
