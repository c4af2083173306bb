import { describe, expect, test } from "bun:test";
import { lowerEquals, trimOws } from "./http1-syntax.ts";

describe("lowerEquals", () => {
  test.each([
    ["Content-Length", 0, "content-length", true],
    ["CONTENT-LENGTH", 0, "content-length", true],
    ["content-length", 0, "content-length", true],
    ["Content-Lengtx", 0, "content-length", false],
    ["x: 1\r\nHost: a", 6, "host", true],
    ["x: 1\r\nHosts: a", 6, "hosts", true],
    ["x: 1\r\nHost: a", 6, "hosx", false],
    ["Keep-Alive", 0, "keep-alive", true],
    ["Keep_Alive", 0, "keep-alive", false],
    ["Proxy-Connection", 0, "proxy-", true],
    ["Proxyconnection", 0, "proxy-", false],
    ["Hos", 0, "host", false], // shorter than the name: reads past the end as NaN, never equal
  ] as const)("%p at %p vs %p -> %p", (text, at, lower, expected) => {
    expect(lowerEquals(text, at, lower)).toBe(expected);
  });
});

describe("trimOws", () => {
  test("drops SP and HTAB around the range only", () => {
    expect(trimOws("a: \t v x \t\r\n", 2, 10)).toBe("v x");
    expect(trimOws("\u00a0v\u00a0", 0, 3)).toBe("\u00a0v\u00a0");
  });
});
