import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../../net/ip-range.ts";
import { middlewareFactory } from "../registry.ts";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";
import "./index.ts";

const trustAll = { insecure: true, trusted: IpRangeList.parse([]).list };

async function status(options: Record<string, unknown>, peer: string, xff?: string, kind = "ipAllowList"): Promise<number> {
  const req = new Request("http://a.test/x", { headers: xff === undefined ? {} : { "x-forwarded-for": xff } });
  const { res } = await run(mustBuild(kind, options), req, { conn: { clientIp: peer, trust: trustAll } });
  return res.status;
}

describe("ipAllowList / ipWhiteList", () => {
  test("both names register the same factory", () => {
    expect(middlewareFactory("ipWhiteList")).toBe(middlewareFactory("ipAllowList")!);
  });

  test.each([
    // sourceRange against the peer address
    [{ sourceRange: ["127.0.0.1/32"] }, "127.0.0.1", undefined, 200],
    [{ sourceRange: ["127.0.0.1/32"] }, "127.0.0.2", undefined, 403],
    [{ sourceRange: ["10.0.0.0/8", "192.168.1.7"] }, "192.168.1.7", undefined, 200], // a bare IP is a /32
    [{ sourceRange: ["10.0.0.0/8", "192.168.1.7"] }, "10.200.0.1", undefined, 200],
    [{ sourceRange: ["10.0.0.0/8", "192.168.1.7"] }, "192.168.1.8", undefined, 403],
    [{ sourceRange: "10.0.0.0/8, 192.168.1.7" }, "192.168.1.7", undefined, 200], // comma-separated, as in labels
    [{ sourceRange: ["2001:db8::/32"] }, "2001:db8:1::5", undefined, 200],
    [{ sourceRange: ["2001:db8::/32"] }, "2001:db9::5", undefined, 403],
    [{ sourceRange: ["127.0.0.1"] }, "::ffff:127.0.0.1", undefined, 200], // IPv4-mapped peers match IPv4 ranges
    [{ sourceRange: ["0.0.0.0/0"] }, "203.0.113.1", undefined, 200],
    // X-Forwarded-For is ignored without an ipStrategy
    [{ sourceRange: ["10.0.0.0/8"] }, "127.0.0.1", "10.0.0.1", 403],
    // ipStrategy.depth
    [{ sourceRange: ["10.0.0.0/8"], ipStrategy: { depth: 1 } }, "127.0.0.1", "1.1.1.1, 10.0.0.1", 200],
    [{ sourceRange: ["10.0.0.0/8"], ipStrategy: { depth: 2 } }, "127.0.0.1", "1.1.1.1, 10.0.0.1", 403],
    [{ sourceRange: ["10.0.0.0/8"], ipStrategy: { depth: 3 } }, "10.0.0.1", "1.1.1.1, 10.0.0.1", 403], // empty client IP
    // ipStrategy.excludedIPs
    [{ sourceRange: ["1.1.1.1"], ipStrategy: { excludedIPs: ["10.0.0.0/8"] } }, "127.0.0.1", "1.1.1.1, 10.0.0.1, 10.0.0.2", 200],
    [{ sourceRange: ["10.0.0.1"], ipStrategy: { excludedIPs: ["10.0.0.2"] } }, "127.0.0.1", "1.1.1.1, 10.0.0.1, 10.0.0.2", 200],
    [{ sourceRange: ["10.0.0.0/8"], ipStrategy: { excludedIPs: ["10.0.0.0/8"] } }, "10.0.0.1", "10.0.0.1", 403], // none left
    // ipStrategy.ipv6Subnet: the client becomes the first address of its prefix
    [{ sourceRange: ["2001:db8::"], ipStrategy: { ipv6Subnet: 32 } }, "2001:db8:ffff::1", undefined, 200],
    [{ sourceRange: ["2001:db8::"], ipStrategy: { ipv6Subnet: 64 } }, "2001:db8:ffff::1", undefined, 403],
    // an empty ipStrategy is the peer address
    [{ sourceRange: ["127.0.0.1"], ipStrategy: {} }, "127.0.0.1", "10.0.0.1", 200],
    // rejectStatusCode (v3)
    [{ sourceRange: ["10.0.0.0/8"], rejectStatusCode: 404 }, "127.0.0.1", undefined, 404],
    [{ sourceRange: ["10.0.0.0/8"], rejectStatusCode: "418" }, "127.0.0.1", undefined, 418],
    [{ sourceRange: ["10.0.0.0/8"], rejectStatusCode: 0 }, "127.0.0.1", undefined, 403], // 0 = unset
    [{ sourceRange: ["10.0.0.0/8"], rejectStatusCode: 204 }, "127.0.0.1", undefined, 204], // no body allowed
    [{ sourceRange: ["127.0.0.1"], rejectStatusCode: 404 }, "127.0.0.1", undefined, 200],
  ])("%p from %p (X-Forwarded-For %p) gives %p", async (options, peer, xff, want) => {
    expect(await status(options, peer, xff)).toBe(want);
    expect(await status(options, peer, xff, "ipWhiteList")).toBe(want);
  });

  test("X-Forwarded-For from an untrusted peer does not let a client pick its address", async () => {
    const mw = mustBuild("ipAllowList", { sourceRange: ["10.0.0.0/8"], ipStrategy: { depth: 1 } });
    const req = new Request("http://a.test/", { headers: { "x-forwarded-for": "10.0.0.1" } });
    const { res } = await run(mw, req, { conn: { clientIp: "203.0.113.9" } }); // default trust: none
    expect(res.status).toBe(403);
  });

  test("a refused request is answered with the status text, never reaching the backend", async () => {
    const { res, ctx } = await run(mustBuild("ipAllowList", { sourceRange: ["10.0.0.0/8"] }), "http://a.test/", {
      conn: { clientIp: "127.0.0.1" },
    });
    expect(await echoed(res)).toBeNull();
    expect([res.status, (await res.text()).trim(), ctx.downstreamStatus]).toEqual([403, "Forbidden", 403]);
    expect(ctx.error).toContain("127.0.0.1");

    const custom = await run(mustBuild("ipAllowList", { sourceRange: ["10.0.0.0/8"], rejectStatusCode: 404 }), "http://a.test/");
    expect((await custom.res.text()).trim()).toBe("Not Found");
  });

  test("an allowed request goes on unchanged", async () => {
    const req = new Request("http://a.test/p?q=1", { method: "POST", body: "hi", headers: { "x-a": "1" } });
    const e = (await echoed((await run(mustBuild("ipAllowList", { sourceRange: ["127.0.0.1"] }), req)).res))!;
    expect([e.method, e.url, e.body, e.headers["x-a"]]).toEqual(["POST", "http://a.test/p?q=1", "hi", "1"]);
  });

  test.each([
    [{}, "sourceRange", "is required"],
    [{ sourceRange: [] }, "sourceRange", "is empty"],
    [{ sourceRange: "" }, "sourceRange", "is empty"],
    [{ sourceRange: ["10.0.0.0/8", "10.0.0.0/40"] }, "sourceRange[1]", 'invalid IP or CIDR range "10.0.0.0/40"'],
    [{ sourceRange: ["nope"] }, "sourceRange[0]", "invalid IP or CIDR range"],
    [{ sourceRange: [{}] }, "sourceRange[0]", "expected a string"],
    [{ sourceRange: ["10.0.0.1"], rejectStatusCode: 999 }, "rejectStatusCode", "between 200 and 599"],
    [{ sourceRange: ["10.0.0.1"], rejectStatusCode: 299 }, "rejectStatusCode", "between 200 and 599"], // no Go text
    [{ sourceRange: ["10.0.0.1"], rejectStatusCode: 100 }, "rejectStatusCode", "between 200 and 599"],
    [{ sourceRange: ["10.0.0.1"], rejectStatusCode: "x" }, "rejectStatusCode", "expected an integer"],
    [{ sourceRange: ["10.0.0.1"], ipStrategy: { depth: "deep" } }, "ipStrategy.depth", "expected an integer"],
    [{ sourceRange: ["10.0.0.1"], ipStrategy: { excludedIPs: ["x"] } }, "ipStrategy.excludedIPs", "invalid IP or CIDR range"],
    [{ sourceRange: ["10.0.0.1"], ipStrategy: { ipv6Subnet: 0 } }, "ipStrategy.ipv6Subnet", "between 1 and 128"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("ipAllowList", options);
    expect(middleware).toBeUndefined();
    const p = problems.find((x) => x.path === path && x.severity !== "warning");
    expect(p?.message).toContain(message);
  });

  test("unknown options are warnings with a suggestion", () => {
    const { middleware, problems } = buildKind("ipAllowList", { sourceRange: ["10.0.0.1"], sourceRanges: ["x"], ipStrategy: { dpth: 1 } });
    expect(middleware).toBeDefined();
    expect(problems.map((p) => [p.path, p.severity, p.message])).toEqual([
      ["ipStrategy.dpth", "warning", 'unknown option "dpth" (did you mean "depth"?), ignored'],
      ["sourceRanges", "warning", 'unknown option "sourceRanges" (did you mean "sourceRange"?), ignored'],
    ]);
  });
});
