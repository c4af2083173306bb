import { describe, expect, test } from "bun:test";
import { cleanPath, matchHost, splitRequestUrl } from "./request-target.ts";

describe("splitRequestUrl", () => {
  test.each([
    ["http://a.test/x/y?z=1", "/x/y", "z=1", "/x/y?z=1"],
    ["http://a.test", "/", "", "/"],
    ["http://a.test?x", "/", "x", "/?x"],
    ["/only/path", "/only/path", "", "/only/path"],
    ["http://a.test/api/../admin", "/admin", "", "/admin"],
    ["http://a.test//double//slash/?q=/..", "/double/slash/", "q=/..", "/double/slash/?q=/.."],
  ])("%s", (url, path, query, pq) => {
    expect(splitRequestUrl(url)).toEqual({ path, query, pathAndQuery: pq });
  });
});

describe("cleanPath", () => {
  test.each([
    ["/a/./b", "/a/b"],
    ["/a/../../b", "/b"],
    ["/a/b/..", "/a/"],
    ["/..", "/"],
    ["/a/.hidden", "/a/.hidden"],
  ])("%s -> %s", (input, out) => expect(cleanPath(input)).toBe(out));
});

describe("matchHost", () => {
  test.each([
    ["Example.COM:8080", "example.com"],
    ["example.com.", "example.com"],
    ["[::1]:443", "::1"],
    ["[::1]", "::1"],
    ["", ""],
    ["example.com.:8080", "example.com"],
    ["127.0.0.1:9300", "127.0.0.1"],
    ["plain.example", "plain.example"],
    ["\u00c9T\u00c9.example", "\u00e9t\u00e9.example"],
    [".", ""],
  ])("%s -> %s", (input, out) => expect(matchHost(input)).toBe(out));
});
