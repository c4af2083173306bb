import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../../net/ip-range.ts";
import { bothForms, mustBuildBoth, mustBuildRaw, runRaw } from "../raw-testing.ts";
import "./index.ts";

// The raw form must answer and forward exactly as the Request form does.

const trustAll = { insecure: true, trusted: IpRangeList.parse([]).list };

describe("ipAllowList raw form", () => {
  test.each([
    ["ipAllowList", { sourceRange: ["127.0.0.1/32"] }, "127.0.0.1", [], 200],
    ["ipAllowList", { sourceRange: ["10.0.0.0/8"] }, "127.0.0.1", [], 403],
    ["ipWhiteList", { sourceRange: ["10.0.0.0/8"] }, "10.1.2.3", [], 200],
    ["ipAllowList", { sourceRange: ["10.0.0.0/8"], rejectStatusCode: 404 }, "192.0.2.1", [], 404],
    ["ipAllowList", { sourceRange: ["10.0.0.0/8"], rejectStatusCode: 204 }, "192.0.2.1", [], 204],
    ["ipAllowList", { sourceRange: ["10.0.0.0/8"], ipStrategy: { depth: 1 } }, "192.0.2.1", [["X-Forwarded-For", "10.9.9.9"]], 200],
    ["ipAllowList", { sourceRange: ["10.0.0.0/8"], ipStrategy: { depth: 2 } }, "192.0.2.1", [["X-Forwarded-For", "10.9.9.9"]], 403],
    ["ipAllowList", { sourceRange: ["10.0.0.0/8"], ipStrategy: { excludedIPs: ["192.0.2.0/24"] } }, "192.0.2.1", [["x-forwarded-for", "10.0.0.7, 192.0.2.8"]], 200],
  ] as const)("%s %p from %p %p: %p on both forms", async (kind, options, peer, headers, status) => {
    const { request, raw } = await bothForms(mustBuildBoth(kind, options), {
      headers: headers.map(([k, v]) => [k, v]),
      conn: { clientIp: peer, trust: trustAll },
    });
    expect(raw).toEqual(request);
    if (status === 200) expect(raw.forwarded).not.toBeNull();
    else expect(raw.answered?.status).toBe(status);
  });

  test("X-Forwarded-For from an untrusted peer is ignored on the raw form too", async () => {
    const mw = mustBuildRaw("ipAllowList", { sourceRange: ["10.0.0.0/8"], ipStrategy: { depth: 1 } });
    const run = await runRaw(mw, { headers: [["X-Forwarded-For", "10.1.1.1"]], remoteAddress: "203.0.113.9" });
    expect(run.ex.response?.status).toBe(403);
    expect(run.ctx.error).toBe("client IP (none) is not in the allow list");
  });

  test("a refusal writes Go's reason phrase, the text body, and calls done once", async () => {
    const mw = mustBuildRaw("ipAllowList", { sourceRange: ["10.0.0.0/8"] });
    const run = await runRaw(mw, { remoteAddress: "127.0.0.1" });
    expect(run.ex.response).toEqual({ status: 403, reason: "Forbidden", headers: [["content-type", "text/plain; charset=utf-8"]], body: "Forbidden\n" });
    expect(run.ctx.downstreamStatus).toBe(403);
    expect(run.doneCalls).toBe(1);
    expect(run.forwarded).toBeNull();
  });

  test("an outer middleware's onResponseHead hook sees the refusal", async () => {
    const mw = mustBuildRaw("ipAllowList", { sourceRange: ["10.0.0.0/8"] });
    const hooked = await runRaw(
      (next) => (ex, ctx, conn, done) => {
        ex.onResponseHead((_status, headers) => headers.push(["x-outer", "1"]));
        mw(next)(ex, ctx, conn, done);
      },
      { remoteAddress: "127.0.0.1" },
    );
    expect(hooked.ex.response?.headers).toContainEqual(["x-outer", "1"]);
  });
});
