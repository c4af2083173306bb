import { describe, expect, test } from "bun:test";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";
import "./index.ts";

describe("replacePathRegex", () => {
  test.each([
    // [regex, replacement, request, backend URL, X-Replaced-Path]
    ["^/foo/(.*)", "/bar/$1", "http://a.test/foo/baz?x=1", "http://a.test/bar/baz?x=1", "/foo/baz"],
    ["^/api/v1/(.*)", "/v2/${1}", "http://a.test/api/v1/users", "http://a.test/v2/users", "/api/v1/users"],
    ["^/(?P<id>[0-9]+)$", "/item/${id}", "http://a.test/42", "http://a.test/item/42", "/42"], // Go named group
    ["o", "0", "http://a.test/foo/boo", "http://a.test/f00/b00", "/foo/boo"], // every match is replaced
    ["(?i)^/OLD", "/new", "http://a.test/old/x", "http://a.test/new/x", "/old/x"],
    ["^/foo/(.*)", "$1", "http://a.test/foo/bar", "http://a.test/bar", "/foo/bar"], // Sluice keeps a leading "/"
    ["^/x", " /trimmed ", "http://a.test/x", "http://a.test/trimmed", "/x"], // replacement trimmed as in Traefik
    ["^/x$", "/a b?", "http://a.test/x?q", "http://a.test/a%20b%3F?q", "/x"], // escaped for the path
    ["^/s/(.*)", "/t/$1", "http://a.test/s/a%2Fb", "http://a.test/t/a%2Fb", "/s/a%2Fb"], // works on the escaped path
  ])("%s -> %p: %s reaches the backend as %s", async (regex, replacement, url, want, replaced) => {
    const e = (await echoed((await run(mustBuild("replacePathRegex", { regex, replacement }), url)).res))!;
    expect(e.url).toBe(want);
    expect(e.headers["x-replaced-path"]).toBe(replaced);
  });

  test("a path the regex does not match goes on untouched, without X-Replaced-Path", async () => {
    const e = (await echoed((await run(mustBuild("replacePathRegex", { regex: "^/foo", replacement: "/bar" }), "http://a.test/other/foo")).res))!;
    expect(e.url).toBe("http://a.test/other/foo");
    expect(e.headers["x-replaced-path"]).toBeUndefined();
  });

  test("$1x is Go's group named \"1x\": empty, with a warning at build time", async () => {
    const { middleware, problems } = buildKind("replacePathRegex", { regex: "^/(\\w+)", replacement: "/$1x" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "replacement", severity: "warning" });
    expect(problems[0].message).toContain("${1}x");
    const e = (await echoed((await run(middleware!, "http://a.test/abc")).res))!;
    expect(e.url).toBe("http://a.test/");
  });

  test("a replacement that leaves a bad escape fails the request with 500, as Traefik", async () => {
    const { res, ctx } = await run(mustBuild("replacePathRegex", { regex: "^/x", replacement: "/%zz" }), "http://a.test/x");
    expect(res.status).toBe(500);
    expect(await echoed(res)).toBeNull();
    expect(ctx.error).toContain("invalid escape");
  });

  test("method and body go on unchanged", async () => {
    const req = new Request("http://a.test/foo/1", { method: "PATCH", body: "data" });
    const e = (await echoed((await run(mustBuild("replacePathRegex", { regex: "^/foo", replacement: "/bar" }), req)).res))!;
    expect([e.method, e.body, e.url]).toEqual(["PATCH", "data", "http://a.test/bar/1"]);
  });

  test("a missing replacement removes the matches, with a warning", async () => {
    const { middleware, problems } = buildKind("replacePathRegex", { regex: "^/api" });
    expect(problems).toMatchObject([{ path: "replacement", severity: "warning" }]);
    const e = (await echoed((await run(middleware!, "http://a.test/api/x")).res))!;
    expect(e.url).toBe("http://a.test/x");
  });

  test.each([
    [{ replacement: "/x" }, "regex", "is required"],
    [{ regex: "(", replacement: "/x" }, "regex", "invalid regexp"],
    [{ regex: "a(?!b)", replacement: "/x" }, "regex", "lookaround"],
    [{ regex: ["^/a"], replacement: "/x" }, "regex", "expected a string"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("replacePathRegex", options);
    expect(middleware).toBeUndefined();
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });

  test("an unknown option is a warning with a suggestion", () => {
    const { middleware, problems } = buildKind("replacePathRegex", { regex: "^/a", replacement: "/b", replacment: "/c" });
    expect(middleware).toBeDefined();
    expect(problems).toEqual([{ path: "replacment", severity: "warning", message: 'unknown option "replacment" (did you mean "replacement"?), ignored' }]);
  });
});
