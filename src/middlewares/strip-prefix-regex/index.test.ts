import { describe, expect, test } from "bun:test";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";
import "./index.ts";

describe("stripPrefixRegex", () => {
  test.each([
    // [regex list, request, backend URL, X-Forwarded-Prefix]
    [["/foo/[a-z0-9]+/[0-9]+/"], "http://a.test/foo/abc/123/bar?x=1", "http://a.test/bar?x=1", "/foo/abc/123/"],
    [["/v[0-9]+"], "http://a.test/v12/items", "http://a.test/items", "/v12"],
    [["/v[0-9]+"], "http://a.test/v1", "http://a.test/", "/v1"],
    [["^/api"], "http://a.test/api/x", "http://a.test/x", "/api"],
    // Not anchored, as in Traefik: a match further in the path strips nothing.
    [["/api"], "http://a.test/v1/api/x", "http://a.test/v1/api/x", null],
    [["/nope", "/b"], "http://a.test/b/x", "http://a.test/x", "/b"], // the first regex that strips wins
    [["/(?P<ver>v[0-9])"], "http://a.test/v3/x", "http://a.test/x", "/v3"], // Go named-group syntax
    [["(?i)/API"], "http://a.test/api/x", "http://a.test/x", "/api"], // Go flags
    [["x*"], "http://a.test/foo", "http://a.test/foo", null], // an empty match strips nothing
    [["  /t  "], "http://a.test/t/x", "http://a.test/x", "/t"], // trimmed as in Traefik
    ["/a,/b", "http://a.test/b/x", "http://a.test/x", "/b"], // label-style comma list
    [["/caf%C3%A9"], "http://a.test/café/x", "http://a.test/x", "/caf%C3%A9"], // Sluice matches the escaped path (Traefik the decoded one): write non-ASCII escaped
  ])("regex %p: %s reaches the backend as %s", async (regex, url, want, header) => {
    const e = (await echoed((await run(mustBuild("stripPrefixRegex", { regex }), url)).res))!;
    expect(e.url).toBe(want);
    expect((e.headers["x-forwarded-prefix"] as string | undefined) ?? null).toBe(header);
  });

  test("method and body go on unchanged", async () => {
    const req = new Request("http://a.test/v2/x", { method: "POST", body: "b" });
    const e = (await echoed((await run(mustBuild("stripPrefixRegex", { regex: ["/v[0-9]"] }), req)).res))!;
    expect([e.method, e.body, e.url]).toEqual(["POST", "b", "http://a.test/x"]);
  });

  test.each([
    [{ regex: ["("] }, "regex[0]", "invalid regexp"],
    [{ regex: ["/ok", "/(?=x)"] }, "regex[1]", "lookaround"],
    [{ regex: "/a/\\1" }, "regex[0]", "backreferences"],
    [{ regex: { a: 1 } }, "regex", "expected a list of strings"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("stripPrefixRegex", options);
    expect(middleware).toBeUndefined();
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });

  test.each([
    [{}, "regex", "no regex"],
    [{ regex: ["/a"], regexp: ["/b"] }, "regexp", 'did you mean "regex"'],
  ])("options %p build with a warning at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("stripPrefixRegex", options);
    expect(middleware).toBeDefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path, severity: "warning" });
    expect(problems[0].message).toContain(message);
  });
});
