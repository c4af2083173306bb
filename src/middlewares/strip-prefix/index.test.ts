import { describe, expect, test } from "bun:test";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";
import "./index.ts";

describe("stripPrefix", () => {
  test.each([
    // [prefixes, request, backend URL, X-Forwarded-Prefix]
    [["/foo"], "http://a.test/foo/bar?x=1", "http://a.test/bar?x=1", "/foo"],
    [["/foo"], "http://a.test/foo", "http://a.test/", "/foo"],
    [["/foo"], "http://a.test/foo?x=1", "http://a.test/?x=1", "/foo"],
    [["/foo"], "http://a.test/foobar", "http://a.test/bar", "/foo"], // a string prefix, not a path segment (as Traefik)
    [["/foo/"], "http://a.test/foo/bar", "http://a.test/bar", "/foo/"],
    [["/foo"], "http://a.test/foo//bar", "http://a.test//bar", "/foo"],
    [["/a", "/a/b"], "http://a.test/a/b/c", "http://a.test/b/c", "/a"], // the first listed match wins
    [["/a/b", "/a"], "http://a.test/a/b/c", "http://a.test/c", "/a/b"],
    [["/x", "/a"], "http://a.test/a/c", "http://a.test/c", "/a"],
    [["  /foo  "], "http://a.test/foo/z", "http://a.test/z", "/foo"], // trimmed, as the header value in Traefik
    ["/one,/two", "http://a.test/two/z", "http://a.test/z", "/two"], // label-style comma list
    // Sluice matches the escaped path, so a prefix written with a space matches "%20".
    [["/my docs"], "http://a.test/my%20docs/z", "http://a.test/z", "/my docs"],
    [["/foo"], "http://a.test/other/foo", "http://a.test/other/foo", null],
    [["/Foo"], "http://a.test/foo/x", "http://a.test/foo/x", null], // case-sensitive
  ])("prefixes %p: %s reaches the backend as %s", async (prefixes, url, want, header) => {
    const e = (await echoed((await run(mustBuild("stripPrefix", { prefixes }), url)).res))!;
    expect(e.url).toBe(want);
    expect((e.headers["x-forwarded-prefix"] as string | undefined) ?? null).toBe(header);
  });

  // forceSlash (v2; default true) only chose between "" and "/" when the whole
  // path was stripped. A request target is never empty, so both give "/".
  test.each([true, false, "false"])("forceSlash %p still leaves \"/\" when everything is stripped", async (forceSlash) => {
    const { middleware, problems } = buildKind("stripPrefix", { prefixes: ["/foo"], forceSlash });
    expect(problems).toEqual([]);
    const e = (await echoed((await run(middleware!, "http://a.test/foo")).res))!;
    expect(e.url).toBe("http://a.test/");
  });

  test("a client's X-Forwarded-Prefix is kept and the stripped prefix added after it (Go's Header.Add)", async () => {
    const req = new Request("http://a.test/foo/x", { headers: { "x-forwarded-prefix": "/outer" } });
    const e = (await echoed((await run(mustBuild("stripPrefix", { prefixes: ["/foo"] }), req)).res))!;
    expect(e.headers["x-forwarded-prefix"]).toBe("/outer, /foo");
  });

  test("method, headers and body go on unchanged", async () => {
    const req = new Request("http://a.test/foo/x", { method: "PUT", headers: { "x-a": "1" }, body: "payload" });
    const e = (await echoed((await run(mustBuild("stripPrefix", { prefixes: ["/foo"] }), req)).res))!;
    expect([e.method, e.headers["x-a"], e.body, e.url]).toEqual(["PUT", "1", "payload", "http://a.test/x"]);
  });

  test.each([
    [{ prefixes: [""] }, "prefixes[0]", "must not be empty"],
    [{ prefixes: ["/a", "  "] }, "prefixes[1]", "must not be empty"],
    [{ prefixes: { a: 1 } }, "prefixes", "expected a list of strings"],
    [{ prefixes: [["/a"]] }, "prefixes[0]", "expected a string"],
    [{ prefixes: ["/a"], forceSlash: "yes" }, "forceSlash", "expected true or false"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("stripPrefix", options);
    expect(middleware).toBeUndefined();
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });

  test.each([
    [{ prefixes: ["api"] }, "prefixes[0]", "never matches"],
    [{}, "prefixes", "no prefixes"],
    [{ prefixes: ["/a"], prefixs: ["/b"] }, "prefixs", 'did you mean "prefixes"'],
  ])("options %p build with a warning at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("stripPrefix", options);
    expect(middleware).toBeDefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path, severity: "warning" });
    expect(problems[0].message).toContain(message);
  });
});
