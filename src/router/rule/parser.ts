// Recursive-descent parser for router rules, both syntaxes:
//   expr   := and ( "||" and )*
//   and    := unary ( "&&" unary )*
//   unary  := "!" unary | "(" expr ")" | Name "(" [ value ( "," value )* [","] ] ")"
// Precedence is Go's (Traefik parses rules as Go expressions): ! > && > ||.
// After parsing, every matcher is built once (regexps compiled, IPs parsed)
// so that every error, syntactic or not, is reported here with a position.
import { RuleError, type MatcherNode, type RuleNode, type RuleSyntax } from "./ast.ts";
import { buildLeaf } from "./compile.ts";
import { tokenize, type Token, type TokenKind } from "./lexer.ts";
import { findMatcher, unknownMatcherMessage } from "./matchers.ts";

export type ParseResult =
  | { ok: true; ast: RuleNode }
  | { ok: false; error: string; column: number };

const DESCRIBE: Record<TokenKind, string> = {
  ident: "a matcher name", string: "a quoted value", "(": '"("', ")": '")"', ",": '","',
  "&&": '"&&"', "||": '"||"', "!": '"!"', eof: "the end of the rule",
};

function describe(t: Token): string {
  if (t.kind === "ident") return `"${t.value}"`;
  return DESCRIBE[t.kind];
}

class Parser {
  private i = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly syntax: RuleSyntax,
  ) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private expect(kind: TokenKind, context: string): Token {
    const t = this.next();
    if (t.kind !== kind) throw new RuleError(`expected ${DESCRIBE[kind]} ${context}, found ${describe(t)}`, t.pos);
    return t;
  }

  parseAll(): RuleNode {
    if (this.peek().kind === "eof") throw new RuleError("empty rule", 0);
    const node = this.parseOr();
    const t = this.peek();
    if (t.kind !== "eof") {
      const hint = t.kind === "ident" || t.kind === "(" || t.kind === "!" ? ' (missing "&&" or "||"?)' : "";
      throw new RuleError(`unexpected ${describe(t)}${hint}`, t.pos);
    }
    return node;
  }

  private parseOr(): RuleNode {
    let left = this.parseAnd();
    while (this.peek().kind === "||") {
      this.next();
      left = { kind: "or", left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): RuleNode {
    let left = this.parseUnary();
    while (this.peek().kind === "&&") {
      this.next();
      left = { kind: "and", left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): RuleNode {
    const t = this.next();
    switch (t.kind) {
      case "!":
        return { kind: "not", operand: this.parseUnary(), pos: t.pos };
      case "(": {
        const inner = this.parseOr();
        this.expect(")", "to close the parenthesis");
        return inner;
      }
      case "ident":
        return this.parseMatcher(t);
      case "string":
        throw new RuleError("expected a matcher name before the value, e.g. Host(`example.com`)", t.pos);
      default:
        throw new RuleError(`expected a matcher, "!" or "(", found ${describe(t)}`, t.pos);
    }
  }

  private parseMatcher(nameTok: Token): MatcherNode {
    const spec = findMatcher(nameTok.value, this.syntax);
    if (!spec) throw new RuleError(unknownMatcherMessage(nameTok.value, this.syntax), nameTok.pos);
    this.expect("(", `after ${nameTok.value}`);
    const args: string[] = [];
    const argPos: number[] = [];
    while (this.peek().kind !== ")") {
      const t = this.next();
      if (t.kind !== "string") {
        const msg = t.kind === "ident"
          ? `${spec.name} values must be quoted with backticks or double quotes`
          : `expected a quoted value or ")" in ${spec.name}(...), found ${describe(t)}`;
        throw new RuleError(msg, t.pos);
      }
      if (t.value.trim() === "") throw new RuleError(`empty value for matcher ${spec.name}`, t.pos);
      args.push(t.value);
      argPos.push(t.pos);
      if (this.peek().kind === ",") this.next();
      else if (this.peek().kind !== ")") {
        const u = this.peek();
        throw new RuleError(`expected "," or ")" in ${spec.name}(...), found ${describe(u)}`, u.pos);
      }
    }
    const close = this.next();
    const node: MatcherNode = { kind: "matcher", name: spec.name, args, pos: nameTok.pos, argPos, syntax: this.syntax };
    const n = args.length;
    const countOk = n >= spec.minArgs && n <= spec.maxArgs && (!spec.argMultiple || n % spec.argMultiple === 0);
    if (!countOk) {
      throw new RuleError(`${spec.name} expects ${expected(spec.minArgs, spec.maxArgs, spec.argMultiple)}, got ${n}`,
        n === 0 ? close.pos : nameTok.pos);
    }
    return node;
  }
}

function expected(min: number, max: number, multiple?: number): string {
  const plural = (k: number) => `${k} argument${k === 1 ? "" : "s"}`;
  if (multiple) return `arguments in pairs (key, value)`;
  if (max === Infinity) return `at least ${plural(min)}`;
  if (min === max) return plural(min);
  return `${min} or ${plural(max)}`;
}

function buildAll(node: RuleNode): void {
  if (node.kind === "matcher") buildLeaf(node);
  else if (node.kind === "not") buildAll(node.operand);
  else {
    buildAll(node.left);
    buildAll(node.right);
  }
}

/** The error text: message and column, then the rule line with a caret under the position. */
export function formatRuleError(rule: string, message: string, pos: number): string {
  const lineStart = rule.lastIndexOf("\n", pos - 1) + 1;
  const nl = rule.indexOf("\n", pos);
  const line = rule.slice(lineStart, nl < 0 ? rule.length : nl).replace(/[\t\r]/g, " ");
  const caretCol = Math.min(pos - lineStart, line.length);
  return `invalid rule: ${message} (column ${pos + 1})\n  ${line}\n  ${" ".repeat(caretCol)}^`;
}

export function parseRule(rule: string, syntax: RuleSyntax): ParseResult {
  try {
    const ast = new Parser(tokenize(rule), syntax).parseAll();
    buildAll(ast);
    return { ok: true, ast };
  } catch (err) {
    if (!(err instanceof RuleError)) throw err;
    return { ok: false, error: formatRuleError(rule, err.message, err.pos), column: err.pos + 1 };
  }
}
