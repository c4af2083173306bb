import { describe, expect, test } from "bun:test";
import { lowerEquals, owsDigits, owsValueIs, trimOws } from "./http1-syntax.ts";

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

describe("owsDigits", () => {
  test.each([
    ["X: 42\r\n", 42],
    ["X:\t 0 \t\r\n", 0],
    ["X: 123456789012345\r\n", 123456789012345],
    ["X: 1234567890123456\r\n", -1],
    ["X: 4 2\r\n", -1],
    ["X: 1,1\r\n", -1],
    ["X: +1\r\n", -1],
    ["X: \r\n", -1],
    ["X: 1x\r\n", -1],
  ])("%j -> %d", (line, n) => expect(owsDigits(line, 2, line.length - 2)).toBe(n));
});

describe("owsValueIs", () => {
  test.each([
    ["Connection: keep-alive", "keep-alive", true],
    ["Connection:  Keep-Alive\t", "keep-alive", true],
    ["Connection: keep-alive, x", "keep-alive", false],
    ["Connection: keep-aliv", "keep-alive", false],
    ["Connection: CLOSE", "close", true],
    ["Connection:", "close", false],
  ])("%j is %j: %p", (line, lower, is) => expect(owsValueIs(line, 11, line.length, lower)).toBe(is));
});
