import { describe, expect, test } from "bun:test";
import type { HeaderList } from "../../server/raw/http1-head.ts";
import { mustBuildRaw, runRaw } from "../raw-testing.ts";
import { mustBuild } from "../testing.ts";
import { viaRawForm, viaRequestForm } from "./form-parity.ts";
import { asUrlTarget } from "./url-target.ts";
import "../add-prefix/index.ts";
import "../strip-prefix/index.ts";
import "../strip-prefix-regex/index.ts";
import "./index.ts";
import "../replace-path-regex/index.ts";

// The raw form of each path middleware must forward what its Request form
// forwards: same path and query, same added headers, same 500. The raw form
// reads the target as sent (ctx.path); the Request form reads it through a URL.

type Opts = Record<string, unknown>;
const strip = { prefixes: ["/api", "/my docs", "/a\"b"] };
const stripRe = { regex: ["/v[0-9]+"] };
const old = { regex: "^/old/(.*)", replacement: "/new/$1" };

// [kind, options, target as sent, forwarded path, headers the backend gets]
const cases: [string, Opts, string, string, Record<string, string>][] = [
  ["addPrefix", { prefix: "/pre" }, "/x?q=1", "/pre/x?q=1", {}],
  ["addPrefix", { prefix: "/pre" }, "/", "/pre/", {}],
  ["addPrefix", { prefix: "/a b#c" }, "/x", "/a%20b%23c/x", {}], // escaped once at build time
  ["addPrefix", { prefix: "/caf\u00e9" }, "/x", "/caf%C3%A9/x", {}], // config text is UTF-8
  ["stripPrefix", strip, "/api/users?page=2", "/users?page=2", { "x-forwarded-prefix": "/api" }],
  ["stripPrefix", strip, "/api", "/", { "x-forwarded-prefix": "/api" }],
  ["stripPrefix", strip, "/other", "/other", {}],
  ["stripPrefix", strip, "/my%20docs/z", "/z", { "x-forwarded-prefix": "/my docs" }],
  ["stripPrefix", strip, '/a"b/z', "/z", { "x-forwarded-prefix": '/a"b' }], // '"' arrives raw, the URL escapes it
  ["stripPrefix", strip, "/api\\x", "/x", { "x-forwarded-prefix": "/api" }], // a URL reads "\" as "/"
  ["stripPrefix", strip, "/x/%2e%2e/api/y", "/y", { "x-forwarded-prefix": "/api" }], // "%2e%2e" is a dot segment to a URL
  ["stripPrefix", strip, "/api/x?", "/x", { "x-forwarded-prefix": "/api" }], // a bare "?" is dropped, as url.search is ""
  ["stripPrefix", strip, "/other?", "/other?", {}], // ... but kept when nothing changes (Request.url keeps it)
  ["stripPrefix", strip, "/other/\u00c3\u00a9", "/other/%C3%A9", {}], // raw UTF-8 bytes: escaped byte by byte
  ["stripPrefix", strip, "/other?q='x'", "/other?q=%27x%27", {}],
  ["stripPrefixRegex", stripRe, "/v2/items", "/items", { "x-forwarded-prefix": "/v2" }],
  ["stripPrefixRegex", stripRe, "/x/v2/items", "/x/v2/items", {}], // a match not at the start strips nothing
  ["stripPrefixRegex", stripRe, "/v2/caf%C3%A9", "/caf%C3%A9", { "x-forwarded-prefix": "/v2" }],
  ["replacePath", { path: "/fixed" }, "/any/thing?q=1", "/fixed?q=1", { "x-replaced-path": "/any/thing" }],
  ["replacePath", { path: "/a%2Fb" }, "/s/a%2Fb", "/a%2Fb", { "x-replaced-path": "/s/a%2Fb" }],
  ["replacePath", { path: "/what?" }, "/x?q=1", "/what%3F?q=1", { "x-replaced-path": "/x" }],
  ["replacePath", { path: "/fixed" }, "/{x}^", "/fixed", { "x-replaced-path": "/%7Bx%7D%5E" }],
  ["replacePathRegex", old, "/old/a/b", "/new/a/b", { "x-replaced-path": "/old/a/b" }],
  ["replacePathRegex", old, "/keep", "/keep", {}],
  ["replacePathRegex", { regex: "^/s/(.*)", replacement: "/t/$1" }, "/s/a%2Fb", "/t/a%2Fb", { "x-replaced-path": "/s/a%2Fb" }],
  ["replacePathRegex", { regex: "^/x$", replacement: "/a b?" }, "/x?q", "/a%20b%3F?q", { "x-replaced-path": "/x" }],
  ["replacePathRegex", { regex: "^/x", replacement: "/a/../b" }, "/x", "/b", { "x-replaced-path": "/x" }], // the new URL resolves it
  ["replacePathRegex", { regex: "^/x", replacement: "/a\\b" }, "/x", "/a%5Cb", { "x-replaced-path": "/x" }], // "\" escaped, as Go does
];

describe("path middlewares: the raw form forwards what the Request form forwards", () => {
  test.each(cases)("%s %j: %s reaches the backend as %s", async (kind, options, target, path, headers) => {
    const viaRequest = await viaRequestForm(mustBuild(kind, options), { target });
    const viaRaw = await viaRawForm(mustBuildRaw(kind, options), { target });
    expect(viaRaw).toEqual(viaRequest);
    expect([viaRaw.forwarded, viaRaw.headers]).toEqual([path, headers]);
  });

  test("a replacement that leaves a bad escape is a 500 in both forms", async () => {
    const options = { regex: "^/x", replacement: "/%zz" };
    const viaRaw = await viaRawForm(mustBuildRaw("replacePathRegex", options), { target: "/x" });
    expect(viaRaw).toEqual(await viaRequestForm(mustBuild("replacePathRegex", options), { target: "/x" }));
    expect([viaRaw.status, viaRaw.forwarded, viaRaw.body, viaRaw.ctxStatus]).toEqual([500, null, "Internal Server Error\n", 500]);
    expect(viaRaw.ctxError).toContain("invalid escape");
  });

  test("a client's X-Forwarded-Prefix is kept and the stripped prefix added after it", async () => {
    const headers: HeaderList = [["X-Forwarded-Prefix", "/outer"]];
    const viaRaw = await viaRawForm(mustBuildRaw("stripPrefix", strip), { target: "/api/x", headers });
    expect(viaRaw).toEqual(await viaRequestForm(mustBuild("stripPrefix", strip), { target: "/api/x", headers }));
    expect(viaRaw.headers["x-forwarded-prefix"]).toBe("/outer, /api");
  });

  test("two raw forms in a row: the second sees the first one's path; ctx.path stays as sent", async () => {
    const first = mustBuildRaw("stripPrefix", strip);
    const second = mustBuildRaw("replacePathRegex", old);
    const run = await runRaw((next) => first(second(next)), { path: "/api/old/x?y=1" });
    expect(run.forwarded?.path).toBe("/new/x?y=1");
    expect(run.ctx.path).toBe("/api/old/x?y=1");
  });

  test("a target a URL would not change is not copied", async () => {
    const run = await runRaw(mustBuildRaw("stripPrefix", strip), { path: "/other/x?q=1" });
    expect(run.ctx.forwardPath).toBeUndefined();
    expect(run.forwarded?.path).toBe("/other/x?q=1");
  });
});

describe("asUrlTarget", () => {
  test.each([
    ["/a/b?c=d&e", "/a/b?c=d&e"],
    ["/a%2Fb/%7e[x]|y", "/a%2Fb/%7e[x]|y"],
    ['/a"b<c>', "/a%22b%3Cc%3E"],
    ["/a\\b", "/a/b"],
    ["/a/%2E%2e/b?x", "/b?x"],
    ["/q?a b", "/q?a%20b"],
    ["/\u00e9", "/%E9"], // one raw byte
    ["//x/y", "//x/y"], // a path, not an authority
    ["/a/./b/..", "/a/"], // rewritten paths may hold dot segments
    ["/.well-known/x", "/.well-known/x"],
    ["*", "*"],
  ])("%p -> %p", (target, want) => {
    expect(asUrlTarget(target)).toBe(want);
    // A URL-shaped target is returned as the very same string (no work per request).
    expect(asUrlTarget(want)).toBe(want);
  });
});
