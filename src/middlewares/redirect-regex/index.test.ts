import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../../net/ip-range.ts";
import type { ConnInfo } from "../../server/handler.ts";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";
import "./index.ts";

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

const www = { regex: "^https?://www\\.(.+)", replacement: "https://${1}" };

const cases: Case[] = [
  { name: "Traefik's doc example", options: { regex: "^http://localhost/(.*)", replacement: "http://mydomain/${1}" }, url: "http://localhost/foo?x=1", want: [302, "http://mydomain/foo?x=1"] },
  { name: "www to the bare domain", options: www, url: "http://www.shop.test/a/b?c", want: [302, "https://shop.test/a/b?c"] },
  { name: "permanent", options: { ...www, permanent: true }, url: "http://www.shop.test/", want: [301, "https://shop.test/"] },
  { name: "POST: 307", options: www, url: "http://www.shop.test/f", method: "POST", want: [307, "https://shop.test/f"] },
  { name: "DELETE permanent: 308", options: { ...www, permanent: "true" }, url: "http://www.shop.test/f", method: "DELETE", want: [308, "https://shop.test/f"] },
  { name: "HEAD permanent: 301 (Traefik v2 gives 308)", options: { ...www, permanent: true }, url: "http://www.shop.test/f", method: "HEAD", want: [301, "https://shop.test/f"] },
  { name: "the Host header's port is part of the URL", options: { regex: "^http://a\\.test:8080/(.*)", replacement: "http://b.test/$1" }, url: "http://a.test:8080/x", want: [302, "http://b.test/x"] },
  { name: "the Host header, not the URL's host", options: { regex: "^http://shop\\.test/", replacement: "http://new.test/" }, url: "http://127.0.0.1/", headers: { host: "shop.test" }, want: [302, "http://new.test/"] },
  { name: "a TLS connection gives https://", options: { regex: "^https://(.*)", replacement: "http://$1" }, url: "https://a.test/x", conn: { scheme: "https" }, want: [302, "http://a.test/x"] },
  // Traefik's redirectRegex reads the connection only, never X-Forwarded-Proto.
  { name: "X-Forwarded-Proto is not read", options: { regex: "^http://(.*)", replacement: "https://$1" }, url: "http://a.test/x", headers: { "x-forwarded-proto": "https" }, conn: { trust: { insecure: true, trusted: IpRangeList.parse([]).list } }, want: [302, "https://a.test/x"] },
  { name: "the query takes part in the match", options: { regex: "\\?lang=fr$", replacement: "?lang=fr-FR" }, url: "http://a.test/p?lang=fr", want: [302, "http://a.test/p?lang=fr-FR"] },
  { name: "$1x is Go's group \"1x\": empty", options: { regex: "^http://a\\.test/(\\w+)", replacement: "http://b.test/$1x" }, url: "http://a.test/abc", want: [302, "http://b.test/"] },
  { name: "named groups in Go syntax", options: { regex: "^http://a\\.test/(?P<page>\\w+)", replacement: "http://b.test/p/${page}" }, url: "http://a.test/abc", want: [302, "http://b.test/p/abc"] },
  { name: "(?i) flag", options: { regex: "(?i)^http://A\\.TEST/", replacement: "http://b.test/" }, url: "http://a.test/", want: [302, "http://b.test/"] },
  { name: "spaces and non-ASCII in the result are escaped", options: { regex: "^http://a\\.test/.*", replacement: "http://b.test/ü x" }, url: "http://a.test/q", want: [302, "http://b.test/%C3%BC%20x"] },
  { name: "a relative replacement", options: { regex: "^http://a\\.test/old/(.*)", replacement: "/new/$1" }, url: "http://a.test/old/x", want: [302, "/new/x"] },

  { name: "no match: passes", options: www, url: "http://shop.test/x", want: null },
  { name: "a replacement giving the same URL: passes", options: { regex: "^http://a\\.test/(.*)", replacement: "http://a.test/$1" }, url: "http://a.test/x", want: null },
];

describe("redirectRegex", () => {
  test.each(cases)("$name", async (c) => {
    const req = new Request(c.url, { method: c.method ?? "GET", headers: c.headers });
    const { res, ctx } = await run(mustBuild("redirectRegex", c.options), req, { conn: c.conn });
    if (c.want === null) {
      expect(res.status).toBe(200);
      expect(await echoed(res)).not.toBeNull();
      return;
    }
    expect([res.status, res.headers.get("location")]).toEqual(c.want);
    expect(ctx.downstreamStatus).toBe(c.want[0]);
    expect(await echoed(res)).toBeNull();
  });

  test("a reference to a missing group is a warning", () => {
    const { middleware, problems } = buildKind("redirectRegex", { regex: "^http://(\\w+)", replacement: "https://$1x" });
    expect(middleware).toBeDefined();
    expect(problems).toMatchObject([{ path: "replacement", severity: "warning" }]);
  });

  test.each([
    [{ replacement: "/x" }, "regex", "is required"],
    [{ regex: "^http" }, "replacement", "is required"],
    [{ regex: "(", replacement: "/x" }, "regex", "invalid regexp"],
    [{ regex: "a(?<=b)", replacement: "/x" }, "regex", "lookaround"],
    [{ regex: "^http", replacement: "http://a/\r\nX-Evil: 1" }, "replacement", "control characters"],
    [{ regex: "^http", replacement: "/x", permanent: "sometimes" }, "permanent", "expected true or false"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("redirectRegex", options);
    expect(middleware).toBeUndefined();
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });

  test("an unknown option is a warning with a suggestion", () => {
    const { middleware, problems } = buildKind("redirectRegex", { regex: "^http", replacement: "/x", regx: "y" });
    expect(middleware).toBeDefined();
    expect(problems).toEqual([{ path: "regx", severity: "warning", message: 'unknown option "regx" (did you mean "regex"?), ignored' }]);
  });
});
