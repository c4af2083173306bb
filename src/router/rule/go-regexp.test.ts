import { describe, expect, test } from "bun:test";
import { compileGoRegexp } from "./go-regexp.ts";

describe("compileGoRegexp", () => {
  // [Go pattern, input, should match]
  const cases: [string, string, boolean][] = [
    ["^[a-z]+\\.example\\.com$", "api.example.com", true],
    ["^[a-z]+\\.example\\.com$", "api.examplexcom", false],
    ["(?i)^API$", "api", true],
    ["^API$", "api", false],
    ["(?s)a.b", "a\nb", true],
    ["a.b", "a\nb", false],
    ["(?P<id>[0-9]+)-x", "12-x", true],
    ["[[:digit:]]{3}", "a123", true],
    ["[[:digit:]]{3}", "a12", false],
    ["[[:alpha:]_]+$", "ab_", true],
    ["\\Qa.b\\E", "a.b", true],
    ["\\Qa.b\\E", "axb", false],
    ["^a\\z", "a", true],
    ["\\Aa", "ba", false],
    ["\\pL+", "é", true],
    ["\\p{Greek}", "λ", true],
    ["\\p{Greek}", "l", false],
    ["\\x{e9}", "é", true],
    ["[]a]", "]", true],
    ["a\\-b\\#", "a-b#", true],
    ["\\s", "\u00a0", false], // Go's \s is ASCII only
    ["\\s", "\t", true],
    ["\\101", "A", true], // octal
    ["a{2}", "aa", true],
    ["{foo}", "{foo}", true], // literal braces in Go
    ["x(?i:AB)y", "xaby", true],
    ["x(?i:AB)Y", "xaby", false],
  ];
  test.each(cases)("%p on %p -> %p", (pattern, s, want) => {
    expect(compileGoRegexp(pattern).test(s)).toBe(want);
  });

  const rejected: [string, RegExp][] = [
    ["a(?=b)", /lookaround/],
    ["(?<!a)b", /lookaround/],
    ["(a)\\1", /backreferences/],
    ["a(?i)b", /only supported at the start/],
    ["(?U)a+", /ungreedy/],
    ["[[:^alpha:]]", /negated POSIX/],
    ["[[:nope:]]", /invalid character class/],
    ["\\e", /invalid escape/],
    ["[a", /missing closing/],
    ["(", /invalid regexp/],
  ];
  test.each(rejected)("rejects %p", (pattern, msg) => {
    expect(() => compileGoRegexp(pattern)).toThrow(msg);
  });
});
