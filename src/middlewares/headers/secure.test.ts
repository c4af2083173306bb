import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../../net/ip-range.ts";
import type { ConnInfo, Handler } from "../../server/handler.ts";
import { buildKind, mustBuild, run } from "../testing.ts";
import "./index.ts";

// The security half of `headers` (unrolled/secure in Traefik).

const TRUSTED: Partial<ConnInfo> = { trust: { insecure: true, trusted: IpRangeList.parse([]).list } };
const HTTPS: Partial<ConnInfo> = { scheme: "https" };
const ok: Handler = () => new Response("ok", { headers: { location: "http://secure.test/next" } });

async function responseHeaders(options: Record<string, unknown>, conn: Partial<ConnInfo> = {}, headers: Record<string, string> = {}) {
  const { res } = await run(mustBuild("headers", options), new Request("http://a.test/p?q=1", { headers }), { conn, next: ok });
  return res;
}

describe("headers: security response headers", () => {
  test.each([
    [{ frameDeny: true }, "x-frame-options", "DENY"],
    [{ frameDeny: true, customFrameOptionsValue: "SAMEORIGIN" }, "x-frame-options", "SAMEORIGIN"],
    [{ contentTypeNosniff: true }, "x-content-type-options", "nosniff"],
    [{ browserXssFilter: true }, "x-xss-protection", "1; mode=block"],
    [{ browserXssFilter: true, customBrowserXSSValue: "0" }, "x-xss-protection", "0"],
    [{ customBrowserXssValue: "1" }, "x-xss-protection", "1"], // keys are case-insensitive
    [{ contentSecurityPolicy: "default-src 'self'" }, "content-security-policy", "default-src 'self'"],
    [{ contentSecurityPolicyReportOnly: "default-src 'none'" }, "content-security-policy-report-only", "default-src 'none'"],
    [{ referrerPolicy: "no-referrer" }, "referrer-policy", "no-referrer"],
    [{ permissionsPolicy: "camera=()" }, "permissions-policy", "camera=()"],
    [{ featurePolicy: "camera 'none'" }, "feature-policy", "camera 'none'"],
  ])("%p sets %s: %s", async (options, name, value) => {
    expect((await responseHeaders(options)).headers.get(name)).toBe(value);
  });

  test.each([
    ["plain http", { stsSeconds: 60 }, {}, null],
    ["https", { stsSeconds: 60 }, HTTPS, "max-age=60"],
    ["https with subdomains and preload", { stsSeconds: 60, stsIncludeSubdomains: true, stsPreload: true }, HTTPS, "max-age=60; includeSubDomains; preload"],
    ["plain http, forced", { stsSeconds: 60, forceSTSHeader: true }, {}, "max-age=60"],
    ["https, isDevelopment", { stsSeconds: 60, isDevelopment: true }, HTTPS, null],
    ["https, stsSeconds 0", { stsSeconds: 0, forceSTSHeader: true }, HTTPS, null],
  ])("Strict-Transport-Security on %s", async (_name, options, conn, want) => {
    expect((await responseHeaders(options, conn)).headers.get("strict-transport-security")).toBe(want);
  });

  test.each([
    [{}, null],
    [HTTPS, 'pin-sha256="abc"; max-age=60'],
  ])("publicKey (Public-Key-Pins) only on https: conn %p", async (conn, want) => {
    expect((await responseHeaders({ publicKey: 'pin-sha256="abc"; max-age=60' }, conn)).headers.get("public-key-pins")).toBe(want);
    expect((await responseHeaders({ publicKey: "x", isDevelopment: true }, HTTPS)).headers.get("public-key-pins")).toBeNull();
  });

  test.each([
    ["X-Forwarded-Proto https from an untrusted peer is ignored (Traefik rewrote it)", { "X-Forwarded-Proto": "https" }, {}, { "x-forwarded-proto": "https" }, null],
    ["X-Forwarded-Proto https from a trusted peer counts", { "X-Forwarded-Proto": "https" }, TRUSTED, { "x-forwarded-proto": "https" }, "max-age=1"],
    ["a header Traefik does not rewrite is taken as sent", { "X-Forwarded-Ssl": "on" }, {}, { "x-forwarded-ssl": "on" }, "max-age=1"],
    ["the value must match exactly", { "X-Forwarded-Ssl": "on" }, {}, { "x-forwarded-ssl": "ON" }, null],
  ])("sslProxyHeaders: %s", async (_name, sslProxyHeaders, conn, sent, want) => {
    const res = await responseHeaders({ stsSeconds: 1, sslProxyHeaders }, conn, sent);
    expect(res.headers.get("strict-transport-security")).toBe(want);
  });

  test("customRequestHeaders run before the https check (Traefik's order)", async () => {
    const options = { stsSeconds: 1, sslProxyHeaders: { "X-Forwarded-Proto": "https" }, customRequestHeaders: { "X-Forwarded-Proto": "https" } };
    expect((await responseHeaders(options)).headers.get("strict-transport-security")).toBe("max-age=1");
  });
});

describe("headers: allowedHosts", () => {
  test.each([
    ["listed host", { allowedHosts: ["a.test"] }, {}, { host: "a.test" }, 200],
    ["case-insensitive", { allowedHosts: ["A.Test"] }, {}, { host: "a.TEST" }, 200],
    ["the port is part of the host", { allowedHosts: ["a.test"] }, {}, { host: "a.test:8080" }, 400],
    ["other host", { allowedHosts: ["a.test"] }, {}, { host: "b.test" }, 400],
    ["other host, isDevelopment", { allowedHosts: ["a.test"], isDevelopment: true }, {}, { host: "b.test" }, 200],
    ["hostsProxyHeaders from a trusted peer", { allowedHosts: ["a.test"], hostsProxyHeaders: ["X-Forwarded-Host"] }, TRUSTED, { host: "b.test", "x-forwarded-host": "a.test" }, 200],
    ["hostsProxyHeaders from an untrusted peer: the Host counts", { allowedHosts: ["a.test"], hostsProxyHeaders: ["X-Forwarded-Host"] }, {}, { host: "b.test", "x-forwarded-host": "a.test" }, 400],
    ["a non-forwarded proxy header is taken as sent", { allowedHosts: ["a.test"], hostsProxyHeaders: ["X-Original-Host"] }, {}, { host: "b.test", "x-original-host": "a.test" }, 200],
    ["first non-empty proxy header wins", { allowedHosts: ["a.test"], hostsProxyHeaders: ["X-One", "X-Two"] }, {}, { host: "a.test", "x-two": "b.test" }, 400],
    ["customRequestHeaders Host is checked", { allowedHosts: ["a.test"], customRequestHeaders: { Host: "a.test" } }, {}, { host: "b.test" }, 200],
  ])("%s", async (_name, options, conn, headers, status) => {
    const { res, ctx } = await run(mustBuild("headers", options), new Request("http://x.test/", { headers }), { conn, next: ok });
    expect(res.status).toBe(status);
    if (status === 400) {
      // Sluice answers 400 Bad Request; Traefik (unrolled/secure's default) answers 500 "Bad Host".
      expect(await res.text()).toBe("Bad Host\n");
      expect(ctx.error).toStartWith("bad host name:");
    }
  });
});

describe("headers: v2 https redirect options (deprecated)", () => {
  test.each([
    ["sslRedirect on http", { sslRedirect: true }, {}, 301, "https://a.test/p?q=1"],
    ["sslTemporaryRedirect", { sslRedirect: true, sslTemporaryRedirect: true }, {}, 307, "https://a.test/p?q=1"],
    ["sslHost", { sslRedirect: true, sslHost: "secure.test" }, {}, 301, "https://secure.test/p?q=1"],
    ["sslRedirect on https: no redirect", { sslRedirect: true }, HTTPS, 200, "http://secure.test/next"],
    ["sslRedirect with isDevelopment: no redirect", { sslRedirect: true, isDevelopment: true }, {}, 200, "http://secure.test/next"],
    ["sslForceHost to another host", { sslForceHost: true, sslHost: "secure.test" }, HTTPS, 301, "https://secure.test/p?q=1"],
    ["https Location to sslHost is fixed", { sslHost: "secure.test" }, HTTPS, 200, "https://secure.test/next"],
    ["http Location is left on http requests", { sslHost: "secure.test" }, {}, 200, "http://secure.test/next"],
  ])("%s", async (_name, options, conn, status, location) => {
    const res = await responseHeaders(options, conn, { host: "a.test" });
    expect([res.status, res.headers.get("location")]).toEqual([status, location]);
  });

  test("each deprecated option warns", () => {
    const { problems } = buildKind("headers", { sslRedirect: true, sslTemporaryRedirect: true, sslHost: "h", sslForceHost: true });
    expect(problems.map((p) => [p.path, p.severity])).toEqual([
      ["sslRedirect", "warning"], ["sslTemporaryRedirect", "warning"], ["sslForceHost", "warning"], ["sslHost", "warning"],
    ]);
  });
});

describe("headers: option problems", () => {
  test.each([
    [{ customRequestHeaders: { "Bad Name": "x" } }, "customRequestHeaders.Bad Name", "invalid header name"],
    [{ customResponseHeaders: { "X-A": "a\nb" } }, "customResponseHeaders.X-A", "invalid header value"],
    [{ customRequestHeaders: ["x"] }, "customRequestHeaders", "expected a mapping"],
    [{ accessControlAllowOriginListRegex: ["(unclosed"] }, "accessControlAllowOriginListRegex[0]", "invalid regular expression"],
    [{ accessControlMaxAge: "ten" }, "accessControlMaxAge", "expected an integer"],
    [{ stsSeconds: -1 }, "stsSeconds", "expected an integer >= 0"],
    [{ frameDeny: "yes" }, "frameDeny", "expected true or false"],
    [{ contentSecurityPolicy: "a\r\nSet-Cookie: x" }, "contentSecurityPolicy", "invalid header value"],
    [{ hostsProxyHeaders: ["X Host"] }, "hostsProxyHeaders[0]", "invalid header name"],
  ])("%p is refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("headers", options);
    expect(middleware).toBeUndefined();
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });

  test.each([
    [{}, "", "sets no header"], // Traefik refuses an empty headers middleware; Sluice warns and passes through
    [{ stsPreload: true, frameDeny: true }, "stsPreload", "no effect without stsSeconds"],
    [{ featurePolicy: "x", frameDeny: true }, "featurePolicy", "deprecated"],
    [{ accessControlAllowCredentials: true, accessControlAllowOriginList: ["*"] }, "accessControlAllowCredentials", "browsers refuse"],
    [{ frameDeny: true, frameDenny: true }, "frameDenny", 'did you mean "frameDeny"'],
  ])("%p builds with a warning at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("headers", options);
    expect(middleware).toBeDefined();
    expect(problems).toEqual([expect.objectContaining({ path, severity: "warning", message: expect.stringContaining(message) })]);
  });
});
