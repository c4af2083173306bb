// Public face of the rule engine.
export type { MatchInput, MatcherNode, Predicate, RuleNode, RuleSyntax } from "./ast.ts";
export { RuleError } from "./ast.ts";
export { compileRule } from "./compile.ts";
export { formatRuleError, parseRule, type ParseResult } from "./parser.ts";
export { hostIndexKeys, requiredHosts, type HostKey } from "./required-hosts.ts";
export { compileGoRegexp } from "./go-regexp.ts";
