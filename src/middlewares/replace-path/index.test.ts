import { describe, expect, test } from "bun:test";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";
import "./index.ts";

describe("replacePath", () => {
  test.each([
    // [path, request, backend URL, X-Replaced-Path]
    ["/new", "http://a.test/old/x?q=1", "http://a.test/new?q=1", "/old/x"],
    ["/new", "http://a.test/", "http://a.test/new", "/"],
    ["/", "http://a.test/deep/path/", "http://a.test/", "/deep/path/"],
    ["/a%2Fb", "http://a.test/x", "http://a.test/a%2Fb", "/x"], // escapes in the option are kept
    ["/with space", "http://a.test/x", "http://a.test/with%20space", "/x"],
    ["/what?", "http://a.test/x?q=1", "http://a.test/what%3F?q=1", "/x"], // "?" is part of the path, not a query
    ["/new", "http://a.test/caf%C3%A9", "http://a.test/new", "/caf%C3%A9"], // the original as sent (escaped)
  ])("path %p: %s reaches the backend as %s", async (path, url, want, replaced) => {
    const e = (await echoed((await run(mustBuild("replacePath", { path }), url)).res))!;
    expect(e.url).toBe(want);
    expect(e.headers["x-replaced-path"]).toBe(replaced);
  });

  test("method, headers and body go on unchanged", async () => {
    const req = new Request("http://a.test/x", { method: "POST", headers: { "x-a": "1" }, body: "hello" });
    const e = (await echoed((await run(mustBuild("replacePath", { path: "/p" }), req)).res))!;
    expect([e.method, e.headers["x-a"], e.body]).toEqual(["POST", "1", "hello"]);
  });

  test.each([
    [{}, "path", "is required"],
    [{ path: ["/a"] }, "path", "expected a string"],
    // Traefik accepts these and then sends a broken request target or fails every request with 500.
    [{ path: "new" }, "path", 'must start with "/"'],
    [{ path: "" }, "path", 'must start with "/"'],
    [{ path: "/bad%zz" }, "path", "not an escape"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("replacePath", options);
    expect(middleware).toBeUndefined();
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });

  test("an unknown option is a warning with a suggestion", () => {
    const { middleware, problems } = buildKind("replacePath", { path: "/a", pth: "/b" });
    expect(middleware).toBeDefined();
    expect(problems).toEqual([{ path: "pth", severity: "warning", message: 'unknown option "pth" (did you mean "path"?), ignored' }]);
  });
});
