// Tokens of the predicate language Traefik borrows from vulcand/predicate
// (circuitBreaker `expression`, buffering `retryExpression`):
// `NetworkErrorRatio() > 0.5 || (Attempts() < 3 && IsNetworkError())`.

export type TokenKind = "number" | "ident" | "(" | ")" | "," | "op" | "&&" | "||" | "end";

export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based column of the token's first character. */
  pos: number;
}

export class ExpressionError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} at position ${position}`);
    this.name = "ExpressionError";
  }
}

const COMPARISONS = [">=", "<=", "==", "!=", ">", "<"];
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const pos = i + 1;
    const rest = source.slice(i);
    if (c === "(" || c === ")" || c === ",") {
      tokens.push({ kind: c, text: c, pos });
      i++;
      continue;
    }
    if (rest.startsWith("&&") || rest.startsWith("||")) {
      tokens.push({ kind: rest.slice(0, 2) as "&&" | "||", text: rest.slice(0, 2), pos });
      i += 2;
      continue;
    }
    const op = COMPARISONS.find((o) => rest.startsWith(o));
    if (op) {
      tokens.push({ kind: "op", text: op, pos });
      i += op.length;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num) {
      tokens.push({ kind: "number", text: num[0], pos });
      i += num[0].length;
      continue;
    }
    const ident = IDENT.exec(rest);
    if (ident) {
      tokens.push({ kind: "ident", text: ident[0], pos });
      i += ident[0].length;
      continue;
    }
    if (c === "&" || c === "|") throw new ExpressionError(`"${c}" is not an operator (did you mean "${c}${c}"?)`, pos);
    if (c === "=") throw new ExpressionError(`"=" is not an operator (did you mean "=="?)`, pos);
    throw new ExpressionError(`unexpected character ${JSON.stringify(c)}`, pos);
  }
  tokens.push({ kind: "end", text: "end of expression", pos: source.length + 1 });
  return tokens;
}
