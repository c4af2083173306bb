import { describe, expect, test } from "bun:test";
import type { EntryPointConfig, StaticConfig } from "../config/static/types.ts";
import { redirectHandler, redirectionRouters } from "./entrypoint-redirect.ts";
import type { ConnInfo } from "./handler.ts";
import type { RequestContext } from "./request-context.ts";

const ctx = (host: string, path: string) => ({ host, path, downstreamStatus: 0 }) as RequestContext;
const conn = {} as ConnInfo;

describe("redirectHandler", () => {
  test.each([
    ["https", 443, true, "GET", "a.test:8000", "/x?y=1", 301, "https://a.test/x?y=1"],
    ["https", 8443, true, "GET", "a.test", "/", 301, "https://a.test:8443/"],
    ["https", 443, true, "POST", "a.test", "/form", 308, "https://a.test/form"],
    ["https", 443, false, "GET", "a.test", "/", 302, "https://a.test/"],
    ["https", 443, false, "PUT", "a.test", "/", 307, "https://a.test/"],
    ["http", 80, true, "GET", "[::1]:8443", "/", 301, "http://[::1]/"],
  ])("%s:%d permanent=%p %s %s%s -> %d %s", async (scheme, port, permanent, method, host, path, status, location) => {
    const res = await redirectHandler(scheme, port, permanent)(new Request("http://x/", { method }), ctx(host, path), conn);
    expect(res.status).toBe(status);
    expect(res.headers.get("location")).toBe(location);
  });
});

describe("redirectionRouters", () => {
  const ep = (port: number, redirect?: { to: string }) =>
    ({ port, http: { middlewares: [], redirections: redirect ? { entryPoint: { ...redirect, scheme: "https", permanent: true } } : undefined } }) as unknown as EntryPointConfig;

  test("one router per redirecting entrypoint, to a named entrypoint or a port", () => {
    const config = { entryPoints: { web: ep(80, { to: "websecure" }), alt: ep(81, { to: ":8443" }), websecure: ep(443) } } as unknown as StaticConfig;
    const { routers, errors } = redirectionRouters(config);
    expect(errors).toEqual([]);
    expect(routers.map((r) => [r.entryPoint, r.priority])).toEqual([["web", 2 ** 31 - 2], ["alt", 2 ** 31 - 2]]);
  });

  test("an unknown target is an error", () => {
    const config = { entryPoints: { web: ep(80, { to: "nope" }) } } as unknown as StaticConfig;
    expect(redirectionRouters(config).errors[0]).toContain('"nope"');
  });
});
