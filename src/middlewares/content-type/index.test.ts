import { describe, expect, test } from "bun:test";
import type { Handler } from "../../server/handler.ts";
import { buildKind, run } from "../testing.ts";
import "./index.ts";

// Traefik v2 sniffs a missing Content-Type unless this middleware says
// autoDetect: false; v3 sniffs only with this middleware. Sluice never sniffs,
// whatever the options: the middleware is a pass-through (documented in index.ts).

const noType: Handler = () => new Response(new Uint8Array([60, 104, 116, 109, 108, 62]), { headers: {} });
const typed: Handler = () => new Response("x", { headers: { "content-type": "application/json" } });

describe("contentType", () => {
  test.each([
    [{}, []],
    [{ autoDetect: false }, []],
    [{ autoDetect: "false" }, []],
    [{ autoDetect: true }, [{ path: "autoDetect", severity: "warning" }]],
    [{ autoDetect: true, extra: 1 }, [{ path: "autoDetect", severity: "warning" }, { path: "extra", severity: "warning" }]],
  ])("options %p build with warnings %p", (options, warnings) => {
    const { middleware, problems } = buildKind("contentType", options);
    expect(middleware).toBeDefined();
    expect(problems.map((p): { path: string; severity?: string } => ({ path: p.path, severity: p.severity }))).toEqual(warnings);
  });

  test("autoDetect must be a boolean", () => {
    const { middleware, problems } = buildKind("contentType", { autoDetect: "sometimes" });
    expect(middleware).toBeUndefined();
    expect(problems[0]).toMatchObject({ path: "autoDetect", message: expect.stringContaining("expected true or false") });
  });

  test.each([
    [{}, noType, null],
    [{ autoDetect: true }, noType, null], // Traefik would answer text/html here; Sluice does not sniff
    [{ autoDetect: false }, typed, "application/json"],
  ])("with %p the Content-Type stays as the backend sent it", async (options, next, want) => {
    const mw = buildKind("contentType", options).middleware!;
    const { res } = await run(mw, "http://a.test/", { next });
    expect(res.headers.get("content-type")).toBe(want);
  });

  test("adds no step to the chain", () => {
    const mw = buildKind("contentType", {}).middleware!;
    expect(mw(noType)).toBe(noType);
  });
});
