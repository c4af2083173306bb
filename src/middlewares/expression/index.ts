import { ExpressionError, tokenize, type Token } from "./lexer.ts";

// The predicate language of circuitBreaker `expression` and buffering
// `retryExpression` (vulcand/predicate in Traefik): function calls with
// numeric literal arguments, compared with > < >= <= == != and combined
// with && and || and parentheses. An expression is parsed and type-checked
// once, at build time, into closures; evaluating it per request or per check
// period allocates nothing.

export { ExpressionError } from "./lexer.ts";

/** One function of the language, evaluated against an environment `E`. */
export interface ExpressionFunction<E> {
  /** Number of (numeric literal) arguments. */
  arity: number;
  returns: "number" | "boolean";
  /** Checks the literal arguments at build time; returns why they are wrong. */
  check?: (args: number[]) => string | undefined;
  /** Binds the checked arguments once; the returned closure runs per evaluation. */
  bind: (args: number[]) => (env: E) => number | boolean;
}

export type FunctionTable<E> = Record<string, ExpressionFunction<E>>;

export type Predicate<E> = (env: E) => boolean;

type Node<E> = { type: "number"; eval: (env: E) => number } | { type: "boolean"; eval: (env: E) => boolean };

/** Parses `source` into a predicate, or throws ExpressionError (message ends with "at position N", 1-based). */
export function compilePredicate<E>(source: string, functions: FunctionTable<E>): Predicate<E> {
  const parser = new Parser(tokenize(source), functions);
  if (parser.peek().kind === "end") throw new ExpressionError("empty expression", 1);
  const start = parser.peek();
  const node = parser.parseOr();
  const end = parser.peek();
  if (end.kind !== "end") throw new ExpressionError(`unexpected ${describe(end)}`, end.pos);
  if (node.type !== "boolean") throw new ExpressionError("the expression gives a number, not a condition (compare it, e.g. `> 0.5`)", start.pos);
  return node.eval;
}

/** Like compilePredicate, but returns the problem as a string (for option readers). */
export function tryCompilePredicate<E>(source: string, functions: FunctionTable<E>): Predicate<E> | string {
  try {
    return compilePredicate(source, functions);
  } catch (e) {
    if (e instanceof ExpressionError) return e.message;
    throw e;
  }
}

class Parser<E> {
  private i = 0;
  constructor(private readonly tokens: Token[], private readonly functions: FunctionTable<E>) {}

  peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    return this.tokens[this.i++]!;
  }

  private expect(kind: Token["kind"], what: string): Token {
    const t = this.next();
    if (t.kind !== kind) throw new ExpressionError(`expected ${what}, got ${describe(t)}`, t.pos);
    return t;
  }

  parseOr(): Node<E> {
    let left = this.parseAnd();
    while (this.peek().kind === "||") {
      const op = this.next();
      const right = this.parseAnd();
      const [a, b] = [bool(left, op), bool(right, op)];
      left = { type: "boolean", eval: (env) => a(env) || b(env) };
    }
    return left;
  }

  private parseAnd(): Node<E> {
    let left = this.parseComparison();
    while (this.peek().kind === "&&") {
      const op = this.next();
      const right = this.parseComparison();
      const [a, b] = [bool(left, op), bool(right, op)];
      left = { type: "boolean", eval: (env) => a(env) && b(env) };
    }
    return left;
  }

  private parseComparison(): Node<E> {
    const left = this.parseOperand();
    if (this.peek().kind !== "op") return left;
    const op = this.next();
    const right = this.parseOperand();
    if (left.type !== right.type) {
      throw new ExpressionError(`"${op.text}" compares a ${left.type} with a ${right.type}`, op.pos);
    }
    if (left.type === "boolean" && op.text !== "==" && op.text !== "!=") {
      throw new ExpressionError(`"${op.text}" needs numbers, got conditions`, op.pos);
    }
    const a = left.eval as (env: E) => number | boolean;
    const b = right.eval as (env: E) => number | boolean;
    return { type: "boolean", eval: comparison(op.text, a, b) };
  }

  private parseOperand(): Node<E> {
    const t = this.next();
    if (t.kind === "number") {
      const n = Number(t.text);
      return { type: "number", eval: () => n };
    }
    if (t.kind === "(") {
      const inner = this.parseOr();
      this.expect(")", '")"');
      return inner;
    }
    if (t.kind === "ident") return this.parseCall(t);
    throw new ExpressionError(`expected a function call, a number or "(", got ${describe(t)}`, t.pos);
  }

  private parseCall(name: Token): Node<E> {
    const fn = Object.hasOwn(this.functions, name.text) ? this.functions[name.text] : undefined;
    if (!fn) {
      const known = Object.keys(this.functions).map((k) => `${k}()`).join(", ");
      throw new ExpressionError(`unknown function "${name.text}" (known: ${known})`, name.pos);
    }
    this.expect("(", `"(" after ${name.text}`);
    const args: number[] = [];
    if (this.peek().kind !== ")") {
      for (;;) {
        args.push(Number(this.expect("number", `a number argument to ${name.text}()`).text));
        if (this.peek().kind !== ",") break;
        this.next();
      }
    }
    this.expect(")", `"," or ")" in the arguments of ${name.text}()`);
    if (args.length !== fn.arity) {
      throw new ExpressionError(`${name.text}() takes ${fn.arity} argument${fn.arity === 1 ? "" : "s"}, got ${args.length}`, name.pos);
    }
    const problem = fn.check?.(args);
    if (problem) throw new ExpressionError(`${name.text}(): ${problem}`, name.pos);
    const bound = fn.bind(args);
    return fn.returns === "number"
      ? { type: "number", eval: bound as (env: E) => number }
      : { type: "boolean", eval: bound as (env: E) => boolean };
  }
}

function bool<E>(node: Node<E>, op: Token): (env: E) => boolean {
  if (node.type !== "boolean") throw new ExpressionError(`"${op.text}" combines conditions, got a number`, op.pos);
  return node.eval;
}

function comparison<E>(op: string, a: (env: E) => number | boolean, b: (env: E) => number | boolean): (env: E) => boolean {
  switch (op) {
    case ">": return (env) => a(env) > b(env);
    case "<": return (env) => a(env) < b(env);
    case ">=": return (env) => a(env) >= b(env);
    case "<=": return (env) => a(env) <= b(env);
    case "==": return (env) => a(env) === b(env);
    default: return (env) => a(env) !== b(env);
  }
}

function describe(t: Token): string {
  return t.kind === "end" ? "end of expression" : JSON.stringify(t.text);
}
