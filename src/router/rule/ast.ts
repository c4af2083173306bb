// Shapes shared by the rule lexer, parser, compiler and the muxer.

export type RuleSyntax = "v2" | "v3";

/** What a compiled rule looks at. Built once per request by the caller. */
export interface MatchInput {
  /** Lower-cased host without port (a trailing dot may remain). */
  host: string;
  /** Request path as sent, without the query. */
  path: string;
  method: string;
  /** Header value by name (case-insensitive), or null when absent. */
  header(name: string): string | null;
  /** Raw query without the leading '?'. Parsed lazily, only by Query matchers. */
  query: string;
  /** Peer address only (never X-Forwarded-For). */
  clientIP: string;
}

export interface MatcherNode {
  kind: "matcher";
  /** Canonical matcher name (e.g. "PathPrefix"), whatever case was written. */
  name: string;
  args: string[];
  /** 0-based offsets in the rule: of the name, and of each argument. */
  pos: number;
  argPos: number[];
  syntax: RuleSyntax;
}

export interface NotNode {
  kind: "not";
  operand: RuleNode;
  pos: number;
}

export interface BinaryNode {
  kind: "and" | "or";
  left: RuleNode;
  right: RuleNode;
}

export type RuleNode = MatcherNode | NotNode | BinaryNode;

export type Predicate = (input: MatchInput) => boolean;

/** A problem at one position (0-based) of a rule; turned into a caret message by the parser. */
export class RuleError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
    this.name = "RuleError";
  }
}
