import { describe, expect, test } from "bun:test";
import { IpRangeList, parseIp } from "../../net/ip-range.ts";
import { OptionReader } from "../options.ts";
import { testConn } from "../testing.ts";
import { formatIpv6, ipv6SubnetOf, readHeaderList, readIpStrategy, readRequestHeader, trustedForwardedFor } from "./ip-strategy.ts";

const P = "192.0.2.9"; // the peer, unless a row says otherwise
const insecure = { trust: { insecure: true, trusted: IpRangeList.parse([]).list } };

function pick(options: Record<string, unknown>, xff: string | null, peer = "192.0.2.9", trusted = true): string {
  const o = new OptionReader(options);
  const strategy = readIpStrategy(o);
  expect(o.hasErrors()).toBe(false);
  const headers: Record<string, string> = xff === null ? {} : { "x-forwarded-for": xff };
  const conn = testConn({ clientIp: peer, ...(trusted ? insecure : {}) });
  const viaRequest = strategy.clientIp(new Request("http://a.test/", { headers }), conn);
  // The raw form reads the head's field list (names as sent) and must agree.
  const viaList = strategy.rawClientIp(xff === null ? [["Host", "a.test"]] : [["Host", "a.test"], ["X-Forwarded-For", xff]], conn);
  expect(viaList).toBe(viaRequest);
  return viaRequest;
}

describe("ipStrategy", () => {
  // Traefik's documented depth table: XFF "10.0.0.1,11.0.0.1,12.0.0.1,13.0.0.1".
  const XFF = "10.0.0.1,11.0.0.1,12.0.0.1,13.0.0.1";
  test.each([
    [{}, XFF, "192.0.2.9", P], // no strategy: the peer, X-Forwarded-For ignored
    [{ depth: 1 }, XFF, "13.0.0.1", P],
    [{ depth: 3 }, XFF, "11.0.0.1", P],
    [{ depth: 4 }, XFF, "10.0.0.1", P],
    [{ depth: 5 }, XFF, "", P], // deeper than the list: empty
    [{ depth: 1 }, null, "", P], // no header: empty
    [{ depth: 2 }, " 1.1.1.1 , 2.2.2.2 ", "1.1.1.1", P], // entries are trimmed
    [{ depth: 0 }, XFF, "192.0.2.9", P], // 0 means no depth
    [{ depth: "2" }, XFF, "12.0.0.1", P], // quoted numbers, as labels give them
    // excludedIPs: the first entry from the right not in the list (Traefik's table).
    [{ excludedIPs: ["12.0.0.1", "13.0.0.1"] }, XFF, "11.0.0.1", P],
    [{ excludedIPs: ["15.0.0.1", "16.0.0.1"] }, XFF, "13.0.0.1", P],
    [{ excludedIPs: ["10.0.0.1", "13.0.0.1"] }, XFF, "12.0.0.1", P],
    [{ excludedIPs: ["10.0.0.0/8", "11.0.0.0/8", "12.0.0.0/8", "13.0.0.0/8"] }, XFF, "", P], // all excluded
    [{ excludedIPs: "12.0.0.1, 13.0.0.1" }, XFF, "11.0.0.1", P], // comma-separated string
    [{ excludedIPs: ["13.0.0.1"] }, "10.0.0.1,,13.0.0.1", "10.0.0.1", P], // empty entries skipped
    [{ excludedIPs: ["13.0.0.1"] }, "10.0.0.1,junk,13.0.0.1", "junk", P], // a non-address is "not excluded", as in Traefik
    [{ excludedIPs: ["10.0.0.1"] }, null, "", P],
    [{ depth: 2, excludedIPs: ["12.0.0.1"] }, XFF, "12.0.0.1", P], // depth wins over excludedIPs
    [{ depth: -1, excludedIPs: ["13.0.0.1"] }, XFF, "12.0.0.1", P], // depth <= 0 is ignored
    // ipv6Subnet: IPv6 results become the first address of the prefix.
    [{ ipv6Subnet: 64 }, null, "2001:db8:1:2::", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"],
    [{ ipv6Subnet: 48 }, null, "2001:db8:1::", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"],
    [{ ipv6Subnet: 64 }, null, "192.0.2.9", "192.0.2.9"], // IPv4 unchanged
    [{ depth: 1, ipv6Subnet: 32 }, "10.0.0.1, 2001:db8:ffff::1", "2001:db8::", P],
    [{ depth: 1, ipv6Subnet: 64 }, "10.0.0.1, 12.0.0.1", "12.0.0.1", P],
    [{ depth: 1, ipv6Subnet: 64 }, "not-an-ip:x", "not-an-ip:x", P], // unparseable: unchanged, as Go does
  ])("%p with X-Forwarded-For %p picks %p", (options, xff, want, peer) => {
    expect(pick(options, xff, peer)).toBe(want);
  });

  test("X-Forwarded-For from an untrusted peer is ignored (Traefik strips it at the entrypoint)", () => {
    expect(pick({ depth: 1 }, "10.0.0.1", "192.0.2.9", false)).toBe("");
    expect(pick({ excludedIPs: ["1.1.1.1"] }, "10.0.0.1", "192.0.2.9", false)).toBe("");
  });

  test("a peer inside forwardedHeaders.trustedIPs is trusted", () => {
    const conn = testConn({ clientIp: "10.9.9.9", trust: { insecure: false, trusted: IpRangeList.parse(["10.0.0.0/8"]).list } });
    const req = new Request("http://a.test/", { headers: { "x-forwarded-for": "203.0.113.5" } });
    expect(trustedForwardedFor(req, readRequestHeader, conn)).toBe("203.0.113.5");
    expect(trustedForwardedFor(req, readRequestHeader, { ...conn, clientIp: "192.0.2.1" })).toBe("");
    expect(trustedForwardedFor([["x-FORWARDED-for", "203.0.113.5"]], readHeaderList, conn)).toBe("203.0.113.5");
    expect(trustedForwardedFor([["x-forwarded-for", "203.0.113.5"]], readHeaderList, { ...conn, clientIp: "192.0.2.1" })).toBe("");
  });

  // Sluice differs on purpose: several X-Forwarded-For lines count as one comma-joined list
  // (RFC 9110 field semantics); Go's Header.Get reads only the first line.
  test("several X-Forwarded-For lines are read as one list", () => {
    const headers = new Headers();
    headers.append("x-forwarded-for", "10.0.0.1");
    headers.append("x-forwarded-for", "11.0.0.1");
    const o = new OptionReader({ depth: 1 });
    const strategy = readIpStrategy(o);
    expect(strategy.clientIp(new Request("http://a.test/", { headers }), testConn(insecure))).toBe("11.0.0.1");
    const list: [string, string][] = [["X-Forwarded-For", "10.0.0.1"], ["x-forwarded-for", "11.0.0.1"]];
    expect(strategy.rawClientIp(list, testConn(insecure))).toBe("11.0.0.1");
  });

  test.each([
    [{ depth: 1.5 }, "depth", "expected an integer", "error"],
    [{ depth: "x" }, "depth", "expected an integer", "error"],
    [{ excludedIPs: ["10.0.0.1", "nope"] }, "excludedIPs", 'invalid IP or CIDR range "nope"', "error"],
    [{ excludedIPs: ["10.0.0.0/33"] }, "excludedIPs", "invalid IP or CIDR range", "error"],
    [{ ipv6Subnet: 0 }, "ipv6Subnet", "between 1 and 128", "error"],
    [{ ipv6Subnet: 129 }, "ipv6Subnet", "between 1 and 128", "error"],
    [{ depth: 1, ipv6Subnet: 200 }, "ipv6Subnet", "between 1 and 128", "error"],
    [{ excludedIPs: ["10.0.0.1"], ipv6Subnet: 64 }, "ipv6Subnet", "ignored with excludedIPs", "warning"],
    [{ depth: 1, excludedIPs: ["10.0.0.1"] }, "excludedIPs", "ignored because depth is set", "warning"],
    [{ depth: -2 }, "depth", "is ignored", "warning"],
    [{ dept: 1 }, "dept", 'did you mean "depth"', "warning"],
  ])("%p reports at %p: %p (%s)", (options, path, message, severity) => {
    const o = new OptionReader(options);
    readIpStrategy(o);
    const p = o.problems.find((x) => x.path === path);
    expect(p?.message).toContain(message);
    expect(p?.severity).toBe(severity as "error" | "warning");
  });
});

describe("IPv6 text", () => {
  test.each([
    ["2001:db8::1", 128, "2001:db8::1"],
    ["2001:0db8:0000:0000:0001:0000:0000:0001", 128, "2001:db8::1:0:0:1"], // the first longest run is compressed
    ["2001:db8:0:1:1:1:1:1", 128, "2001:db8:0:1:1:1:1:1"], // a single zero group is not
    ["::1", 128, "::1"],
    ["fe80::1%eth0", 64, "fe80::"], // the zone is dropped
    ["::ffff:10.1.2.3", 120, "::ffff:10.1.2.0"],
    ["2001:db8:aaaa:bbbb::1", 1, "::"],
  ])("%p at /%p is %p", (ip, bits, want) => {
    expect(ipv6SubnetOf(ip, bits)).toBe(want);
  });

  test("formatting round-trips through the parser", () => {
    for (const text of ["1:2:3:4:5:6:7:8", "1::8", "::", "1:0:0:2::3"]) {
      expect(parseIp(formatIpv6(parseIp(text)!))).toBe(parseIp(text));
    }
    expect(formatIpv6(parseIp("1:0:0:2:0:0:0:3")!)).toBe("1:0:0:2::3");
  });
});
