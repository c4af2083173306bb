import { describe, expect, test } from "bun:test";
import { parseAddress } from "./address.ts";

describe("parseAddress", () => {
  const ok: [string, string, number][] = [
    [":80", "", 80],
    ["0.0.0.0:80", "0.0.0.0", 80],
    ["127.0.0.1:8080", "127.0.0.1", 8080],
    ["[::1]:8443", "::1", 8443],
    ["[::]:443", "::", 443],
    [":80/tcp", "", 80],
    [":80/TCP", "", 80],
    ["localhost:0", "localhost", 0],
    [":65535", "", 65535],
  ];
  test.each(ok)("%p -> host %p port %p", (addr, host, port) => {
    expect(parseAddress(addr)).toEqual({ host, port });
  });

  const bad: [string, RegExp][] = [
    [":53/udp", /UDP entry points are not supported/],
    [":80/sctp", /unknown protocol "sctp"/],
    ["80", /missing ":port"/],
    [":", /invalid port/],
    [":http", /invalid port/],
    [":70000", /invalid port/],
    ["::1:80", /IPv6 hosts need brackets/],
    ["[::1]8443", /invalid address/],
  ];
  test.each(bad)("%p is rejected", (addr, message) => {
    expect(() => parseAddress(addr)).toThrow(message);
  });
});
