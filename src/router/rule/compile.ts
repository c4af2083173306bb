// Turns a parsed rule into one closure. Leaf predicates are built once (at
// parse time, which validates them) and kept in a WeakMap, so compiling after
// parsing does no regexp work; the request path only runs the closures.
import type { MatcherNode, Predicate, RuleNode } from "./ast.ts";
import { findMatcher } from "./matchers.ts";
import { RuleError } from "./ast.ts";

const built = new WeakMap<MatcherNode, Predicate>();

/** Builds (or returns the cached) predicate of one matcher; throws RuleError if invalid. */
export function buildLeaf(node: MatcherNode): Predicate {
  const cached = built.get(node);
  if (cached) return cached;
  const spec = findMatcher(node.name, node.syntax);
  if (!spec) throw new RuleError(`unknown matcher "${node.name}"`, node.pos);
  const pred = spec.build(node);
  built.set(node, pred);
  return pred;
}

/**
 * Leaf predicates by matcher, syntax and arguments. A leaf depends on nothing
 * else and keeps no state, so routers whose rules repeat a matcher
 * (`PathPrefix(\`/\`)`, one regexp) can share one closure.
 */
export type LeafCache = Map<string, Predicate>;

function leafKey(node: MatcherNode): string {
  return `${node.syntax}\u0000${node.name}\u0000${node.args.join("\u0000")}`;
}

/** `leaves`, when given, shares equal leaves between the rules compiled with it. */
export function compileRule(ast: RuleNode, leaves?: LeafCache): Predicate {
  switch (ast.kind) {
    case "matcher": {
      if (!leaves) return buildLeaf(ast);
      const key = leafKey(ast);
      let pred = leaves.get(key);
      if (!pred) {
        pred = buildLeaf(ast);
        leaves.set(key, pred);
      }
      return pred;
    }
    case "not":
      return not(compileRule(ast.operand, leaves));
    case "and":
      return and(compileRule(ast.left, leaves), compileRule(ast.right, leaves));
    case "or":
      return or(compileRule(ast.left, leaves), compileRule(ast.right, leaves));
  }
}

// Combinators in their own small scopes: each closure keeps only its operands.
function not(inner: Predicate): Predicate {
  return (input) => !inner(input);
}

function and(l: Predicate, r: Predicate): Predicate {
  return (input) => l(input) && r(input);
}

function or(l: Predicate, r: Predicate): Predicate {
  return (input) => l(input) || r(input);
}
