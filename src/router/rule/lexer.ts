// Tokens of the rule language. Traefik parses rules as Go expressions, so the
// values follow Go string literals: `raw` in backticks, "interpreted" in double
// quotes with Go escapes. Single quotes are Go rune literals, hence rejected.
import { RuleError } from "./ast.ts";

export type TokenKind = "ident" | "string" | "(" | ")" | "," | "&&" | "||" | "!" | "eof";

export interface Token {
  kind: TokenKind;
  /** Identifier name, or the decoded string value. */
  value: string;
  /** 0-based offset of the first character. */
  pos: number;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"',
};

function isIdentStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= "0" && c <= "9");
}

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      while (i < src.length && isIdentPart(src[i])) i++;
      tokens.push({ kind: "ident", value: src.slice(start, i), pos: start });
      continue;
    }
    if (c === "(" || c === ")" || c === ",") {
      tokens.push({ kind: c, value: c, pos: start });
      i++;
      continue;
    }
    if (c === "&" || c === "|") {
      if (src[i + 1] !== c) throw new RuleError(`unexpected "${c}"; did you mean "${c}${c}"?`, start);
      tokens.push({ kind: c === "&" ? "&&" : "||", value: c + c, pos: start });
      i += 2;
      continue;
    }
    if (c === "!") {
      tokens.push({ kind: "!", value: c, pos: start });
      i++;
      continue;
    }
    if (c === "`") {
      const end = src.indexOf("`", i + 1);
      if (end < 0) throw new RuleError("unterminated backtick string", start);
      // Go drops carriage returns from raw strings.
      tokens.push({ kind: "string", value: src.slice(i + 1, end).replaceAll("\r", ""), pos: start });
      i = end + 1;
      continue;
    }
    if (c === '"') {
      const [value, next] = readQuoted(src, i);
      tokens.push({ kind: "string", value, pos: start });
      i = next;
      continue;
    }
    if (c === "'") {
      throw new RuleError("single quotes are not allowed; quote values with backticks (`) or double quotes (\")", start);
    }
    throw new RuleError(`unexpected character ${JSON.stringify(c)}`, start);
  }
  tokens.push({ kind: "eof", value: "", pos: src.length });
  return tokens;
}

/** Decodes a Go interpreted string literal starting at `start` (a '"'). */
function readQuoted(src: string, start: number): [string, number] {
  let out = "";
  let i = start + 1;
  while (i < src.length) {
    const c = src[i];
    if (c === '"') return [out, i + 1];
    if (c === "\n") break;
    if (c !== "\\") {
      out += c;
      i++;
      continue;
    }
    const e = src[i + 1];
    if (e === undefined) break;
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      i += 2;
      continue;
    }
    const hexLen = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    if (hexLen > 0) {
      const digits = src.slice(i + 2, i + 2 + hexLen);
      if (digits.length !== hexLen || !/^[0-9a-fA-F]+$/.test(digits)) {
        throw new RuleError(`invalid \\${e} escape in string`, i);
      }
      const code = parseInt(digits, 16);
      if (code > 0x10ffff) throw new RuleError("escape is not a valid Unicode code point", i);
      out += String.fromCodePoint(code);
      i += 2 + hexLen;
      continue;
    }
    if (e >= "0" && e <= "7") {
      const digits = src.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 255) {
        throw new RuleError("invalid octal escape in string (need three digits, at most \\377)", i);
      }
      out += String.fromCharCode(parseInt(digits, 8));
      i += 4;
      continue;
    }
    throw new RuleError(`unknown escape sequence \\${e} in string`, i);
  }
  throw new RuleError("unterminated double-quoted string", start);
}
