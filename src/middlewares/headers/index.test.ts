import { describe, expect, test } from "bun:test";
import type { Handler } from "../../server/handler.ts";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";
import "./index.ts";

// Behaviour follows Traefik's headers middleware (pkg/middlewares/headers and
// unrolled/secure). Where Sluice differs on purpose, the test says so.

/** A backend answering with fixed headers, counting its calls. */
function backend(headers: Record<string, string> = {}): Handler & { calls: number } {
  const h: Handler = () => {
    counted.calls++;
    return new Response("ok", { headers });
  };
  const counted = Object.assign(h, { calls: 0 });
  return counted;
}

function req(url: string, headers: Record<string, string> = {}, method = "GET"): Request {
  return new Request(url, { method, headers });
}

describe("headers: custom request headers", () => {
  test.each([
    [{ "X-Added": "yes" }, {}, { "x-added": "yes" }],
    [{ "X-Replaced": "new" }, { "x-replaced": "old" }, { "x-replaced": "new" }],
    [{ "X-Removed": "" }, { "x-removed": "gone", "x-kept": "1" }, { "x-removed": undefined, "x-kept": "1" }],
    [{ Host: "backend.internal" }, { host: "a.test" }, { host: "backend.internal" }],
  ])("customRequestHeaders %p on %p reach the backend as %p", async (custom, sent, want) => {
    const { res } = await run(mustBuild("headers", { customRequestHeaders: custom }), req("http://a.test/", sent));
    const seen = (await echoed(res))!.headers;
    for (const [k, v] of Object.entries(want)) expect(seen[k]).toBe(v as string);
  });

  test("method, path and body go on unchanged", async () => {
    const r = new Request("http://a.test/p?q=1", { method: "POST", body: "hello", headers: { "x-a": "1" } });
    const e = (await echoed((await run(mustBuild("headers", { customRequestHeaders: { "X-B": "2" } }), r)).res))!;
    expect([e.method, e.url, e.body, e.headers["x-a"], e.headers["x-b"]]).toEqual(["POST", "http://a.test/p?q=1", "hello", "1", "2"]);
  });
});

describe("headers: custom response headers", () => {
  test.each([
    [{ "X-Resp": "r" }, {}, { "x-resp": "r" }],
    [{ Server: "sluice" }, { server: "nginx" }, { server: "sluice" }],
    [{ "X-Powered-By": "" }, { "x-powered-by": "php", "x-other": "1" }, { "x-powered-by": null, "x-other": "1" }],
  ])("customResponseHeaders %p over backend %p give %p", async (custom, fromBackend, want) => {
    const { res } = await run(mustBuild("headers", { customResponseHeaders: custom }), "http://a.test/", { next: backend(fromBackend) });
    for (const [k, v] of Object.entries(want)) expect(res.headers.get(k)).toBe(v);
  });

  test("custom response headers apply after security headers, so they can remove them", async () => {
    const mw = mustBuild("headers", { frameDeny: true, contentTypeNosniff: true, customResponseHeaders: { "X-Frame-Options": "" } });
    const { res } = await run(mw, "http://a.test/", { next: backend() });
    expect([res.headers.get("x-frame-options"), res.headers.get("x-content-type-options")]).toEqual([null, "nosniff"]);
  });

  test("a WebSocket upgrade on the serve front (no Response object) passes through", async () => {
    const mw = mustBuild("headers", { customResponseHeaders: { "X-A": "1" } });
    const { res } = await run(mw, "http://a.test/", { next: () => undefined as unknown as Response });
    expect(res).toBeUndefined();
  });
});

describe("headers: CORS preflight", () => {
  const cors = {
    accessControlAllowCredentials: true,
    accessControlAllowHeaders: ["Content-Type", "X-Token"],
    accessControlAllowMethods: ["GET", "POST"],
    accessControlAllowOriginList: ["https://app.test"],
    accessControlMaxAge: 600,
  };

  test.each([
    ["allowed origin", cors, "https://app.test", {
      "access-control-allow-origin": "https://app.test", "access-control-allow-credentials": "true",
      "access-control-allow-headers": "Content-Type,X-Token", "access-control-allow-methods": "GET,POST", "access-control-max-age": "600",
    }],
    ["origin not allowed: no Allow-Origin, the rest as configured", cors, "https://evil.test", {
      "access-control-allow-origin": null, "access-control-allow-methods": "GET,POST",
    }],
    ["max age 0 is still sent, unset lists are not", { accessControlAllowOriginList: ["*"] }, "https://x.test", {
      "access-control-allow-origin": "*", "access-control-max-age": "0", "access-control-allow-methods": null,
      "access-control-allow-headers": null, "access-control-allow-credentials": null,
    }],
  ])("%s", async (_name, options, origin, want) => {
    const next = backend();
    const r = req("http://a.test/api", { origin, "access-control-request-method": "POST" }, "OPTIONS");
    const { res } = await run(mustBuild("headers", options), r, { next });
    expect(next.calls).toBe(0);
    expect(res.status).toBe(200);
    for (const [k, v] of Object.entries(want)) expect(res.headers.get(k)).toBe(v);
  });

  test.each([
    ["OPTIONS without Access-Control-Request-Method", "OPTIONS", { origin: "https://app.test" }],
    ["OPTIONS without Origin", "OPTIONS", { "access-control-request-method": "GET" }],
    ["GET with both headers", "GET", { origin: "https://app.test", "access-control-request-method": "GET" }],
  ])("%s is not a preflight: the backend answers", async (_name, method, headers) => {
    const next = backend();
    await run(mustBuild("headers", cors), req("http://a.test/", headers, method), { next });
    expect(next.calls).toBe(1);
  });

  test("without any CORS option an OPTIONS preflight reaches the backend (Traefik's HasCorsHeadersDefined)", async () => {
    const next = backend();
    const r = req("http://a.test/", { origin: "https://app.test", "access-control-request-method": "GET" }, "OPTIONS");
    await run(mustBuild("headers", { frameDeny: true }), r, { next });
    expect(next.calls).toBe(1);
  });
});

describe("headers: CORS on responses", () => {
  test.each([
    [["https://a.test"], [], "https://a.test", "https://a.test"],
    [["https://a.test"], [], "https://b.test", null],
    [["*"], [], "https://b.test", "*"],
    [["*"], [], null, "*"], // Traefik matches "*" even without an Origin
    [["*", "https://a.test"], [], "https://a.test", "*"], // first matching entry wins
    [["https://a.test", "*"], [], "https://a.test", "https://a.test"],
    [[], ["^https://[a-z]+\\.example\\.com$"], "https://app.example.com", "https://app.example.com"],
    [[], ["^https://[a-z]+\\.example\\.com$"], "https://app.example.com.evil", null],
    [[], ["(?i)^https://APP\\.test$"], "https://app.test", "https://app.test"], // Go's (?i) flag
    [[], ["example"], "https://example.org", "https://example.org"], // unanchored, like Go's MatchString
    [[], [".*"], null, null],
  ])("list %p and regexes %p with Origin %p allow %p", async (list, regexes, origin, want) => {
    const mw = mustBuild("headers", { accessControlAllowOriginList: list, accessControlAllowOriginListRegex: regexes });
    const { res } = await run(mw, req("http://a.test/", origin ? { origin } : {}), { next: backend() });
    expect(res.headers.get("access-control-allow-origin")).toBe(want);
  });

  test("credentials and exposed headers are set on every response, the origin only when allowed", async () => {
    const mw = mustBuild("headers", {
      accessControlAllowCredentials: true, accessControlExposeHeaders: ["X-Total", "X-Page"], accessControlAllowOriginList: ["https://a.test"],
    });
    const { res } = await run(mw, req("http://a.test/", { origin: "https://other.test" }), { next: backend() });
    expect([res.headers.get("access-control-allow-credentials"), res.headers.get("access-control-expose-headers"), res.headers.get("access-control-allow-origin")])
      .toEqual(["true", "X-Total,X-Page", null]);
  });

  test.each([
    [undefined, "Origin"],
    ["Accept-Encoding", "Accept-Encoding,Origin"],
    ["Origin", "Origin"],
    ["Accept-Encoding, origin", "Accept-Encoding, origin"], // Sluice: no duplicate (Traefik would append)
  ])("addVaryHeader with backend Vary %p gives %p", async (vary, want) => {
    const mw = mustBuild("headers", { addVaryHeader: true, accessControlAllowOriginList: ["*"] });
    const { res } = await run(mw, "http://a.test/", { next: backend(vary ? { vary } : {}) });
    expect(res.headers.get("vary")).toBe(want);
  });

  test("deprecated accessControlAllowOrigin still works, with a warning", async () => {
    const { middleware, problems } = buildKind("headers", { accessControlAllowOrigin: "https://a.test" });
    expect(problems).toEqual([expect.objectContaining({ path: "accessControlAllowOrigin", severity: "warning" })]);
    const { res } = await run(middleware!, req("http://a.test/", { origin: "https://a.test" }), { next: backend() });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://a.test");
  });
});
