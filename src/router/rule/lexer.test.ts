import { describe, expect, test } from "bun:test";
import { RuleError } from "./ast.ts";
import { tokenize } from "./lexer.ts";

describe("tokenize", () => {
  const values: [string, string][] = [
    ["`a.com`", "a.com"],
    ['"a.com"', "a.com"],
    ["`^a\\.b$`", "^a\\.b$"], // raw: backslash kept
    ['"^a\\\\.b$"', "^a\\.b$"], // interpreted: \\ -> \
    ['"tab\\there"', "tab\there"],
    ['"q\\"x"', 'q"x'],
    ['"\\x41\\u00e9\\101"', "AéA"],
    ["`multi\r\nline`", "multi\nline"],
  ];
  test.each(values)("string %p decodes to %p", (src, want) => {
    const toks = tokenize(src);
    expect(toks.map((t) => t.kind)).toEqual(["string", "eof"]);
    expect(toks[0].value).toBe(want);
  });

  test("operators, names and positions", () => {
    const toks = tokenize("!Host(`a`) && (A || b)");
    expect(toks.map((t) => t.kind)).toEqual(["!", "ident", "(", "string", ")", "&&", "(", "ident", "||", "ident", ")", "eof"]);
    expect(toks.map((t) => t.pos)).toEqual([0, 1, 5, 6, 9, 11, 14, 15, 17, 20, 21, 22]);
  });

  const errors: [string, RegExp, number][] = [
    ["Host('a')", /single quotes/, 5],
    ["Host(`a)", /unterminated backtick/, 5],
    ['Host("a)', /unterminated double-quoted/, 5],
    ['Host("a\\qb")', /unknown escape sequence \\q/, 7],
    ['Host("\\xZZ")', /invalid \\x escape/, 6],
    ["Host(`a`) & Path(`/`)", /did you mean "&&"/, 10],
    ["Host(`a`) | Path(`/`)", /did you mean "\|\|"/, 10],
    ["Host(`a`) # x", /unexpected character "#"/, 10],
  ];
  test.each(errors)("%p fails with %p at %p", (src, msg, pos) => {
    let caught: unknown;
    try {
      tokenize(src);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RuleError);
    expect((caught as RuleError).message).toMatch(msg);
    expect((caught as RuleError).pos).toBe(pos);
  });
});
