// How a matcher is declared: its argument count and a builder that turns
// checked arguments into a predicate. Builders throw RuleError pointing at
// the offending argument, so the caret lands on it.
import { RuleError, type MatcherNode, type Predicate } from "./ast.ts";
import { compileGoRegexp } from "./go-regexp.ts";
import { IpRangeList } from "../../net/ip-range.ts";

export interface MatcherSpec {
  name: string;
  minArgs: number;
  /** Infinity for "any number". */
  maxArgs: number;
  /** When set, the argument count must be a multiple of it (v2 Headers pairs). */
  argMultiple?: number;
  build(node: MatcherNode): Predicate;
}

export function argError(node: MatcherNode, index: number, message: string): RuleError {
  return new RuleError(message, node.argPos[index] ?? node.pos);
}

/** Runs `fn`, turning a plain Error into a RuleError at argument `index`. */
export function atArg<T>(node: MatcherNode, index: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RuleError) throw err;
    throw argError(node, index, `${node.name}: ${(err as Error).message}`);
  }
}

export function regexpArg(node: MatcherNode, index: number, source: string = node.args[index]): RegExp {
  return atArg(node, index, () => compileGoRegexp(source));
}

export function requireSlash(node: MatcherNode, index: number): string {
  const p = node.args[index];
  if (!p.startsWith("/")) throw argError(node, index, `${node.name}: path ${JSON.stringify(p)} does not start with a '/'`);
  return p;
}

export function requireAscii(node: MatcherNode, index: number): string {
  const v = node.args[index];
  for (let i = 0; i < v.length; i++) {
    if (v.charCodeAt(i) > 0x7f) {
      throw argError(node, index, `${node.name}: invalid value ${JSON.stringify(v)}, non-ASCII characters are not allowed`);
    }
  }
  return v;
}

export function clientIPPredicate(node: MatcherNode): Predicate {
  const { list, invalid } = IpRangeList.parse(node.args);
  if (invalid.length > 0) {
    throw argError(node, node.args.indexOf(invalid[0]), `ClientIP: invalid IP or CIDR ${JSON.stringify(invalid[0])}`);
  }
  return (input) => list.contains(input.clientIP);
}

/** OR of several predicates without an array walk for the common single case. */
export function anyOf(preds: Predicate[]): Predicate {
  if (preds.length === 1) return preds[0];
  if (preds.length === 2) {
    const [a, b] = preds;
    return (input) => a(input) || b(input);
  }
  return (input) => {
    for (const p of preds) if (p(input)) return true;
    return false;
  };
}

export function allOf(preds: Predicate[]): Predicate {
  if (preds.length === 1) return preds[0];
  return (input) => {
    for (const p of preds) if (!p(input)) return false;
    return true;
  };
}
