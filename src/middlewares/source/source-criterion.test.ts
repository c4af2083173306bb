import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../../net/ip-range.ts";
import { OptionReader } from "../options.ts";
import { fakeExchange, rawTestContext } from "../raw-testing.ts";
import { testConn, testContext } from "../testing.ts";
import { readSourceCriterion, type DefaultCriterion } from "./source-criterion.ts";

const trustAll = { trust: { insecure: true, trusted: IpRangeList.parse([]).list } };

function source(options: Record<string, unknown>, fallback: DefaultCriterion, headers: Record<string, string> = {}): { kind: string; key: string } {
  const o = new OptionReader(options);
  const c = readSourceCriterion(o, fallback);
  expect(o.problems.filter((p) => p.severity !== "warning")).toEqual([]);
  const req = new Request("http://a.test:8080/x", { headers: { host: "a.test:8080", ...headers } });
  const conn = testConn({ clientIp: "192.0.2.7", ...trustAll });
  const key = c.extract(req, testContext(req, conn), conn);
  // The raw form reads the head's field list (names as sent): it must group the same way.
  const list: [string, string][] = [["Host", "a.test:8080"], ...Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v] as [string, string])];
  const ex = fakeExchange({ host: null, path: "/x", headers: list, remoteAddress: conn.clientIp });
  ex.head.host = "a.test:8080";
  expect(c.rawExtract(ex.head.headers, rawTestContext(ex, conn), conn)).toBe(key);
  return { kind: c.kind, key };
}

describe("sourceCriterion", () => {
  test.each([
    // defaults differ per kind, as in Traefik
    [{}, "ipStrategy", {}, "ipStrategy", "192.0.2.7"],
    [{}, "requestHost", {}, "requestHost", "a.test:8080"],
    [{ sourceCriterion: {} }, "requestHost", {}, "requestHost", "a.test:8080"], // empty block = default
    [{ sourceCriterion: null }, "ipStrategy", {}, "ipStrategy", "192.0.2.7"],
    [{ sourceCriterion: { requestHost: false } }, "ipStrategy", {}, "ipStrategy", "192.0.2.7"],
    // ipStrategy, even an empty one, is the peer address
    [{ sourceCriterion: { ipStrategy: {} } }, "requestHost", {}, "ipStrategy", "192.0.2.7"],
    [{ sourceCriterion: { ipStrategy: { depth: 1 } } }, "ipStrategy", { "x-forwarded-for": "1.1.1.1, 2.2.2.2" }, "ipStrategy", "2.2.2.2"],
    [{ sourceCriterion: { ipStrategy: { excludedIPs: ["2.2.2.2"] } } }, "ipStrategy", { "x-forwarded-for": "1.1.1.1, 2.2.2.2" }, "ipStrategy", "1.1.1.1"],
    // requestHeaderName: the header's value; missing means "" (one shared source, as Traefik)
    [{ sourceCriterion: { requestHeaderName: "X-Api-Key" } }, "ipStrategy", { "x-api-key": "k1" }, "requestHeaderName", "k1"],
    [{ sourceCriterion: { requestHeaderName: "X-Api-Key" } }, "ipStrategy", {}, "requestHeaderName", ""],
    [{ sourceCriterion: { requestHeaderName: "" } }, "ipStrategy", {}, "ipStrategy", "192.0.2.7"], // empty name = unset
    // requestHost: the Host as sent, port included
    [{ sourceCriterion: { requestHost: true } }, "ipStrategy", {}, "requestHost", "a.test:8080"],
    [{ SourceCriterion: { RequestHost: "true" } }, "ipStrategy", {}, "requestHost", "a.test:8080"], // keys case-insensitive
  ])("%p (default %p) groups by %p", (options, fallback, headers, kind, key) => {
    expect(source(options, fallback as DefaultCriterion, headers)).toEqual({ kind, key });
  });

  test.each([
    [{ ipStrategy: {}, requestHeaderName: "X-A" }, "ipStrategy and requestHeaderName are mutually exclusive"],
    [{ ipStrategy: { depth: 1 }, requestHost: true }, "ipStrategy and requestHost are mutually exclusive"],
    [{ requestHeaderName: "X-A", requestHost: true }, "requestHeaderName and requestHost are mutually exclusive"],
  ])("%p is refused", (criterion, message) => {
    const o = new OptionReader({ sourceCriterion: criterion });
    readSourceCriterion(o, "ipStrategy");
    expect(o.problems).toEqual([{ path: "sourceCriterion", message: `${message}: set only one`, severity: "error" }]);
  });

  test.each([
    [{ sourceCriterion: { ipStrategy: { depth: "x" } } }, "sourceCriterion.ipStrategy.depth", "error"],
    [{ sourceCriterion: { ipStrategy: { excludedIPs: ["bad"] } } }, "sourceCriterion.ipStrategy.excludedIPs", "error"],
    [{ sourceCriterion: { requestHost: "yes" } }, "sourceCriterion.requestHost", "error"],
    [{ sourceCriterion: "host" }, "sourceCriterion", "error"],
    [{ sourceCriterion: { requestHots: true } }, "sourceCriterion.requestHots", "warning"],
  ])("%p reports at %p", (options, path, severity) => {
    const o = new OptionReader(options);
    readSourceCriterion(o, "ipStrategy");
    expect(o.problems.map((p) => [p.path, p.severity])).toContainEqual([path, severity]);
  });
});
