import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../../net/ip-range.ts";
import type { ConnInfo } from "../../server/handler.ts";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";
import "./index.ts";
import "../strip-prefix/index.ts";

const trusted = { insecure: false, trusted: IpRangeList.parse(["127.0.0.0/8"]).list };
const untrusted = { insecure: false, trusted: IpRangeList.parse(["10.0.0.0/8"]).list };
const insecure = { insecure: true, trusted: IpRangeList.parse([]).list };

interface Case {
  name: string;
  options: Record<string, unknown>;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  conn?: Partial<ConnInfo>;
  /** Expected status and Location; null when the request goes on to the backend. */
  want: [number, string] | null;
}

const cases: Case[] = [
  { name: "http to https", options: { scheme: "https" }, url: "http://a.test/x?y=1", want: [302, "https://a.test/x?y=1"] },
  { name: "permanent", options: { scheme: "https", permanent: true }, url: "http://a.test/", want: [301, "https://a.test/"] },
  { name: "POST keeps its method: 307", options: { scheme: "https" }, url: "http://a.test/f", method: "POST", want: [307, "https://a.test/f"] },
  { name: "POST permanent: 308", options: { scheme: "https", permanent: "true" }, url: "http://a.test/f", method: "POST", want: [308, "https://a.test/f"] },
  { name: "PUT permanent: 308", options: { scheme: "https", permanent: true }, url: "http://a.test/f", method: "PUT", want: [308, "https://a.test/f"] },
  // Traefik v2's redirect answers HEAD with 307/308 (only GET counts); HEAD is a safe method, so 301/302 here.
  { name: "HEAD is treated as GET", options: { scheme: "https", permanent: true }, url: "http://a.test/f", method: "HEAD", want: [301, "https://a.test/f"] },
  { name: "the request's port is dropped", options: { scheme: "https" }, url: "http://a.test:8080/x", want: [302, "https://a.test/x"] },
  { name: "port given", options: { scheme: "https", port: "8443" }, url: "http://a.test:8080/x", want: [302, "https://a.test:8443/x"] },
  { name: "port as a number", options: { scheme: "https", port: 8443 }, url: "http://a.test/x", want: [302, "https://a.test:8443/x"] },
  { name: "the default port is left out", options: { scheme: "https", port: "443" }, url: "http://a.test/x", want: [302, "https://a.test/x"] },
  { name: "scheme is case-insensitive", options: { scheme: "HTTPS" }, url: "http://a.test/x", want: [302, "https://a.test/x"] },
  { name: "to wss (Traefik allows any scheme)", options: { scheme: "wss", port: "9443" }, url: "http://a.test/ws", want: [302, "wss://a.test:9443/ws"] },
  { name: "IPv6 host", options: { scheme: "https" }, url: "http://[::1]:8080/x", want: [302, "https://[::1]/x"] },
  { name: "IPv6 host with port", options: { scheme: "https", port: "8443" }, url: "http://[::1]/x", want: [302, "https://[::1]:8443/x"] },
  { name: "the Host header is the redirect's host", options: { scheme: "https" }, url: "http://127.0.0.1:9000/x", headers: { host: "Shop.Test:9000" }, want: [302, "https://Shop.Test/x"] },
  { name: "escaped path kept as sent", options: { scheme: "https" }, url: "http://a.test/caf%C3%A9/a%2Fb?q=%20", want: [302, "https://a.test/caf%C3%A9/a%2Fb?q=%20"] },

  // Already on the target scheme.
  { name: "https connection passes", options: { scheme: "https" }, url: "https://a.test/x", conn: { scheme: "https" }, want: null },
  // Traefik would send https://a.test:8443/ to https://a.test/ (its rebuilt URL differs); Sluice lets it pass.
  { name: "https on another port passes when no port is set", options: { scheme: "https" }, url: "https://a.test:8443/x", conn: { scheme: "https" }, want: null },
  { name: "https on the configured port passes", options: { scheme: "https", port: "8443" }, url: "https://a.test:8443/x", conn: { scheme: "https" }, want: null },
  { name: "https without a port is on 443", options: { scheme: "https", port: 443 }, url: "https://a.test/x", conn: { scheme: "https" }, want: null },
  { name: "same scheme, other port: a port redirection", options: { scheme: "https", port: "8443" }, url: "https://a.test:8000/x", conn: { scheme: "https" }, want: [302, "https://a.test:8443/x"] },
  { name: "http port redirection", options: { scheme: "http", port: "8181" }, url: "http://a.test:8080/x", want: [302, "http://a.test:8181/x"] },
  { name: "http on 80 with port 80 passes", options: { scheme: "http", port: "80" }, url: "http://a.test:80/x", want: null },
  { name: "https to http", options: { scheme: "http" }, url: "https://a.test/x", conn: { scheme: "https" }, want: [302, "http://a.test/x"] },

  // X-Forwarded-Proto counts only from a trusted peer.
  { name: "X-Forwarded-Proto https from a trusted peer", options: { scheme: "https" }, url: "http://a.test/x", headers: { "x-forwarded-proto": "https" }, conn: { trust: trusted }, want: null },
  { name: "X-Forwarded-Proto https with insecure trust", options: { scheme: "https" }, url: "http://a.test/x", headers: { "x-forwarded-proto": "HTTPS" }, conn: { trust: insecure }, want: null },
  { name: "X-Forwarded-Proto https from an untrusted peer is ignored", options: { scheme: "https" }, url: "http://a.test/x", headers: { "x-forwarded-proto": "https" }, conn: { trust: untrusted }, want: [302, "https://a.test/x"] },
  { name: "X-Forwarded-Proto wss counts as https", options: { scheme: "https" }, url: "http://a.test/x", headers: { "x-forwarded-proto": "wss" }, conn: { trust: trusted }, want: null },
  { name: "X-Forwarded-Proto ws counts as http", options: { scheme: "https" }, url: "https://a.test/x", headers: { "x-forwarded-proto": "ws" }, conn: { scheme: "https", trust: trusted }, want: [302, "https://a.test/x"] },
  { name: "X-Forwarded-Proto http on a TLS connection", options: { scheme: "http" }, url: "https://a.test/x", headers: { "x-forwarded-proto": "http" }, conn: { scheme: "https", trust: trusted }, want: null },
  { name: "an unknown X-Forwarded-Proto falls back to the connection", options: { scheme: "https" }, url: "http://a.test/x", headers: { "x-forwarded-proto": "bar" }, conn: { trust: trusted }, want: [302, "https://a.test/x"] },
  { name: "several X-Forwarded-Proto: the first counts", options: { scheme: "https" }, url: "http://a.test/x", headers: { "x-forwarded-proto": "https, http" }, conn: { trust: trusted }, want: null },
];

describe("redirectScheme", () => {
  test.each(cases)("$name", async (c) => {
    const req = new Request(c.url, { method: c.method ?? "GET", headers: c.headers });
    const { res, ctx } = await run(mustBuild("redirectScheme", c.options), req, { conn: c.conn });
    if (c.want === null) {
      expect(res.status).toBe(200);
      expect(await echoed(res)).not.toBeNull();
      return;
    }
    expect([res.status, res.headers.get("location")]).toEqual(c.want);
    expect(ctx.downstreamStatus).toBe(c.want[0]);
    expect(await res.text()).toBe(c.method === "HEAD" ? "" : ({ 301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect", 308: "Permanent Redirect" } as Record<number, string>)[c.want[0]]);
  });

  test("the Location uses the path as rewritten by an earlier middleware (Traefik's RequestURI)", async () => {
    const strip = mustBuild("stripPrefix", { prefixes: ["/app"] });
    const redirect = mustBuild("redirectScheme", { scheme: "https" });
    const { res, ctx } = await run((next) => strip(redirect(next)), new Request("http://a.test/app/page?q=1"));
    expect(res.headers.get("location")).toBe("https://a.test/page?q=1");
    expect(ctx.path).toBe("/app/page?q=1"); // the access log keeps the path as sent
  });

  test.each([
    [{}, "scheme", "is required"],
    [{ scheme: "" }, "scheme", "is required"],
    [{ scheme: "ht tp" }, "scheme", "expected a URL scheme"],
    [{ scheme: "https", port: "abc" }, "port", "expected a port number"],
    [{ scheme: "https", port: 70000 }, "port", "expected a port number"],
    [{ scheme: "https", port: "0" }, "port", "expected a port number"],
    [{ scheme: "https", permanent: "yes" }, "permanent", "expected true or false"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("redirectScheme", options);
    expect(middleware).toBeUndefined();
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });

  test("an unknown option is a warning with a suggestion", () => {
    const { middleware, problems } = buildKind("redirectScheme", { scheme: "https", permanant: true });
    expect(middleware).toBeDefined();
    expect(problems).toEqual([{ path: "permanant", severity: "warning", message: 'unknown option "permanant" (did you mean "permanent"?), ignored' }]);
  });
});
