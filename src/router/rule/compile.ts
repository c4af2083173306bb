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

export function compileRule(ast: RuleNode): Predicate {
  switch (ast.kind) {
    case "matcher":
      return buildLeaf(ast);
    case "not": {
      const inner = compileRule(ast.operand);
      return (input) => !inner(input);
    }
    case "and": {
      const l = compileRule(ast.left);
      const r = compileRule(ast.right);
      return (input) => l(input) && r(input);
    }
    case "or": {
      const l = compileRule(ast.left);
      const r = compileRule(ast.right);
      return (input) => l(input) || r(input);
    }
  }
}
