import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../../net/ip-range.ts";
import type { ConnInfo, RawRouteHandler } from "../../server/handler.ts";
import type { HeaderList } from "../../server/raw/http1-head.ts";
import { mustBuildRaw, runRaw } from "../raw-testing.ts";
import { viaRawForm, viaRequestForm } from "../replace-path/form-parity.ts";
import { mustBuild } from "../testing.ts";
import "./index.ts";
import "../redirect-regex/index.ts";
import "../strip-prefix/index.ts";

// The raw forms of redirectScheme and redirectRegex answer exactly as their
// Request forms: same status, Location, body, ctx.downstreamStatus; and
// what they let through is untouched.

const trusted = { insecure: false, trusted: IpRangeList.parse(["127.0.0.0/8"]).list };
const untrusted = { insecure: false, trusted: IpRangeList.parse(["10.0.0.0/8"]).list };
const https = { scheme: "https" };
const httpsPermanent = { scheme: "https", permanent: true };
const toWww = { regex: "^http://bare\\.test/(.*)", replacement: "https://www.bare.test/${1}" };

interface Case {
  kind: string;
  options: Record<string, unknown>;
  target: string;
  method?: string;
  host?: string;
  headers?: HeaderList;
  conn?: Partial<ConnInfo>;
  /** [status, Location]; null when the request goes on. */
  want: [number, string] | null;
}

const table: Case[] = [
  { kind: "redirectScheme", options: https, target: "/x?y=1", want: [302, "https://a.test/x?y=1"] },
  { kind: "redirectScheme", options: httpsPermanent, target: "/", want: [301, "https://a.test/"] },
  { kind: "redirectScheme", options: https, target: "/f", method: "POST", want: [307, "https://a.test/f"] },
  { kind: "redirectScheme", options: httpsPermanent, target: "/f", method: "PUT", want: [308, "https://a.test/f"] },
  { kind: "redirectScheme", options: httpsPermanent, target: "/f", method: "HEAD", want: [301, "https://a.test/f"] },
  { kind: "redirectScheme", options: https, target: "/x", host: "a.test:8080", want: [302, "https://a.test/x"] },
  { kind: "redirectScheme", options: { scheme: "https", port: "8443" }, target: "/x", host: "a.test:8080", want: [302, "https://a.test:8443/x"] },
  { kind: "redirectScheme", options: https, target: "/x", host: "[::1]:8080", want: [302, "https://[::1]/x"] },
  { kind: "redirectScheme", options: https, target: "/x", host: "Shop.Test:9000", want: [302, "https://Shop.Test/x"] },
  { kind: "redirectScheme", options: https, target: "/caf%C3%A9/a%2Fb?q=%20", want: [302, "https://a.test/caf%C3%A9/a%2Fb?q=%20"] },
  { kind: "redirectScheme", options: https, target: '/a"b\\c', want: [302, "https://a.test/a%22b/c"] }, // the path as a URL carries it
  { kind: "redirectScheme", options: https, target: "/caf\u00c3\u00a9", want: [302, "https://a.test/caf%C3%A9"] }, // raw UTF-8 bytes
  { kind: "redirectScheme", options: { scheme: "http", port: "80" }, target: "/x", host: "a.test:80", want: null },
  { kind: "redirectScheme", options: https, target: "/x", headers: [["X-Forwarded-Proto", "https"]], conn: { trust: trusted }, want: null },
  { kind: "redirectScheme", options: https, target: "/x", headers: [["x-forwarded-proto", "https"], ["X-Forwarded-Proto", "http"]], conn: { trust: trusted }, want: null },
  { kind: "redirectScheme", options: https, target: "/x", headers: [["X-Forwarded-Proto", "wss"]], conn: { trust: trusted }, want: null },
  { kind: "redirectScheme", options: https, target: "/x", headers: [["X-Forwarded-Proto", "https"]], conn: { trust: untrusted }, want: [302, "https://a.test/x"] },
  { kind: "redirectScheme", options: https, target: "/x", headers: [["X-Forwarded-Proto", "bar"]], conn: { trust: trusted }, want: [302, "https://a.test/x"] },
  { kind: "redirectScheme", options: { scheme: "http" }, target: "/x", headers: [["X-Forwarded-Proto", "https"]], conn: { trust: trusted }, want: [302, "http://a.test/x"] },
  { kind: "redirectRegex", options: toWww, target: "/shop/cart?id=7", host: "bare.test", want: [302, "https://www.bare.test/shop/cart?id=7"] },
  { kind: "redirectRegex", options: { ...toWww, permanent: true }, target: "/f", host: "bare.test", method: "POST", want: [308, "https://www.bare.test/f"] },
  { kind: "redirectRegex", options: toWww, target: "/x", host: "bare.test:8080", want: null }, // the port is part of the URL
  { kind: "redirectRegex", options: toWww, target: "/x{y}", host: "bare.test", want: [302, "https://www.bare.test/x%7By%7D"] },
  { kind: "redirectRegex", options: { regex: "^(.*)$", replacement: "$1" }, target: "/same", want: null }, // the same URL: no loop
  { kind: "redirectRegex", options: { regex: "^http://a\\.test/old/(.*)", replacement: "http://a.test/new dir/$1" }, target: "/old/x", want: [302, "http://a.test/new%20dir/x"] },
];

const cases = table.map((c) => ({ ...c, label: `${c.method ?? "GET"} ${c.host ?? "a.test"}${c.target}` }));

describe("redirect middlewares: the raw form answers as the Request form", () => {
  test.each(cases)("$kind $label", async (c) => {
    const r = { target: c.target, method: c.method, host: c.host, headers: c.headers, conn: c.conn };
    const viaRequest = await viaRequestForm(mustBuild(c.kind, c.options), r);
    const viaRaw = await viaRawForm(mustBuildRaw(c.kind, c.options), r);
    expect(viaRaw).toEqual(viaRequest);
    if (c.want === null) {
      expect([viaRaw.status, viaRaw.forwarded]).toEqual([200, c.target]);
      return;
    }
    expect([viaRaw.status, viaRaw.location, viaRaw.ctxStatus]).toEqual([...c.want, c.want[0]]);
    expect(viaRaw.body).toBe(c.method === "HEAD" ? "" : ({ 301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect", 308: "Permanent Redirect" } as Record<number, string>)[c.want[0]]);
  });

  test("the raw redirect's head: reason phrase, body size, and an outer middleware's response hook", async () => {
    const redirect = mustBuildRaw("redirectScheme", httpsPermanent);
    // An outer middleware (as headers does) adds a response header through onResponseHead.
    const outer = (next: RawRouteHandler): RawRouteHandler => (ex, ctx, conn, done) => {
      ex.onResponseHead((_status, headers) => void headers.push(["X-Outer", "1"]));
      next(ex, ctx, conn, done);
    };
    const run = await runRaw((next) => outer(redirect(next)), { path: "/p" });
    const res = run.ex.response!;
    expect([res.status, res.reason, res.body]).toEqual([301, "Moved Permanently", "Moved Permanently"]);
    expect(res.headers).toContainEqual(["X-Outer", "1"]);
    expect(run.ctx.downstreamContentSize).toBe("Moved Permanently".length);
    expect(run.forwarded).toBeNull();
  });

  test("the Location carries the path as a raw stripPrefix before it left it; ctx.path stays as sent", async () => {
    const strip = mustBuildRaw("stripPrefix", { prefixes: ["/app"] });
    const redirect = mustBuildRaw("redirectScheme", https);
    const run = await runRaw((next) => strip(redirect(next)), { path: "/app/page?q=1" });
    expect(run.ex.response?.headers).toContainEqual(["location", "https://a.test/page?q=1"]);
    expect(run.ctx.path).toBe("/app/page?q=1");
  });
});
