import { describe, expect, test } from "bun:test";
import { IpRangeList, parseIp, parseRange } from "./ip-range.ts";

describe("parseIp", () => {
  test.each([
    ["10.0.0.1", true],
    ["::1", true],
    ["[::1]", true],
    ["fe80::1%eth0", true],
    ["::ffff:1.2.3.4", true],
    ["1.2.3", false],
    ["256.1.1.1", false],
    ["1:2:3:4:5:6:7:8:9", false],
    ["gggg::", false],
    ["", false],
  ])("%s valid=%p", (ip, ok) => {
    expect(parseIp(ip) !== null).toBe(ok);
  });

  test("v4 and v4-mapped v6 are the same address", () => {
    expect(parseIp("1.2.3.4")).toBe(parseIp("::ffff:1.2.3.4")!);
  });
});

describe("ranges", () => {
  test.each([
    ["10.0.0.0/8", "10.255.1.2", true],
    ["10.0.0.0/8", "11.0.0.1", false],
    ["192.168.1.7", "192.168.1.7", true],
    ["192.168.1.7", "192.168.1.8", false],
    ["0.0.0.0/0", "8.8.8.8", true],
    ["0.0.0.0/0", "::1", false],
    ["::/0", "::1", true],
    ["2001:db8::/32", "2001:db8:1::5", true],
    ["2001:db8::/32", "2001:db9::5", false],
    ["127.0.0.1/32", "::ffff:127.0.0.1", true],
  ])("%s contains %s = %p", (range, ip, expected) => {
    expect(IpRangeList.parse([range]).list.contains(ip)).toBe(expected);
  });

  test("invalid ranges are reported", () => {
    const { invalid } = IpRangeList.parse(["10.0.0.0/33", "nope", "::1/129", "1.2.3.4/24"]);
    expect(invalid).toEqual(["10.0.0.0/33", "nope", "::1/129"]);
    expect(parseRange("1.2.3.4/24")!.text).toBe("1.2.3.4/24");
  });
});
