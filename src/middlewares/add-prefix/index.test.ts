import { describe, expect, test } from "bun:test";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";

describe("addPrefix", () => {
  test.each([
    ["/api", "http://a.test/users?x=1", "http://a.test/api/users?x=1"],
    ["/api", "http://a.test/", "http://a.test/api/"],
    ["/v1/", "http://a.test/x", "http://a.test/v1//x"], // Traefik concatenates as is
  ])("prefix %p turns %p into %p", async (prefix, url, want) => {
    const { res } = await run(mustBuild("addPrefix", { prefix }), url);
    expect((await echoed(res))!.url).toBe(want);
  });

  test("method, headers and body go on unchanged", async () => {
    const req = new Request("http://a.test/x", { method: "POST", headers: { "x-a": "1" }, body: "hello" });
    const e = (await echoed((await run(mustBuild("addPrefix", { prefix: "/p" }), req)).res))!;
    expect([e.method, e.headers["x-a"], e.body]).toEqual(["POST", "1", "hello"]);
  });

  test.each([
    [{}, "prefix", "is required"],
    [{ prefix: "api" }, "prefix", 'must start with "/"'],
    [{ prefix: ["/a"] }, "prefix", "expected a string"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("addPrefix", options);
    expect(middleware).toBeUndefined();
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });

  test("an unknown option is a warning with a suggestion", () => {
    const { middleware, problems } = buildKind("addPrefix", { prefix: "/a", prefx: "/b" });
    expect(middleware).toBeDefined();
    expect(problems).toEqual([{ path: "prefx", severity: "warning", message: 'unknown option "prefx" (did you mean "prefix"?), ignored' }]);
  });
});
