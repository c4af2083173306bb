// Route lookup for one generation. Routes are filed by the hosts their rule
// requires (exact host, or `*.suffix` wildcard); routes with no such host
// go to a fallback list. A request walks its host's bucket, its wildcard
// bucket and the fallback list together in priority order, so its cost does
// not grow with the number of routes for other hosts.
import type { Diagnostic } from "../config/diagnostic.ts";
import { compileRule, hostIndexKeys, parseRule, type MatchInput, type Predicate, type RuleNode, type RuleSyntax } from "./rule/index.ts";
import type { LeafCache } from "./rule/compile.ts";
import { stripTrailingDot } from "./rule/host.ts";

export interface RouteSpec<T> {
  name: string;
  rule: string;
  syntax: RuleSyntax;
  /** 0 or absent: the rule's length, as Traefik does. */
  priority?: number;
  value: T;
}

export interface RouteMatch<T> {
  readonly name: string;
  readonly value: T;
}

interface Entry<T> extends RouteMatch<T> {
  readonly name: string;
  readonly value: T;
  priority: number;
  seq: number;
  matches: Predicate;
  /** Position in the global order (priority desc, name asc, insertion); set by finalize. */
  rank: number;
}

const NONE: never[] = [];
const encoder = new TextEncoder();

const always: Predicate = () => true;

/**
 * For `Host(\`h\`)` or `Host(\`h\`) && rest`: the part still to check once a
 * request was found in h's exact-host bucket (null: nothing), since that
 * bucket only holds requests whose host the Host matcher accepts. undefined
 * when the rule has another shape. One plain host only (no wildcard, no v2
 * placeholder, no trailing dot), so the bucket key is exactly that host.
 */
function restWithinHostBucket(ast: RuleNode): RuleNode | null | undefined {
  if (isPlainHost(ast)) return null;
  if (ast.kind === "and" && isPlainHost(ast.left)) return ast.right;
  return undefined;
}

function isPlainHost(node: RuleNode): boolean {
  if (node.kind !== "matcher" || (node.name !== "Host" && node.name !== "HostHeader") || node.args.length !== 1) return false;
  const keys = hostIndexKeys(node);
  if (keys === null || keys.length !== 1) return false;
  const key = keys[0];
  return key.kind === "exact" && key.host === node.args[0].toLowerCase();
}

/** Traefik's default priority: len(rule) in bytes. */
export function defaultPriority(rule: string): number {
  return encoder.encode(rule).length;
}

export class Muxer<T> {
  /** One entry, or several in rank order: most hosts have one route, and 10,000 one-element arrays add up. */
  private readonly exact = new Map<string, Entry<T> | Entry<T>[]>();
  private readonly wildcard = new Map<string, Entry<T>[]>();
  private readonly fallback: Entry<T>[] = [];
  private readonly all: Entry<T>[] = [];
  private dirty = false;
  /** Equal matchers share a predicate while routes are added; dropped by finalize(). */
  private leaves: LeafCache | null = null;

  get size(): number {
    return this.all.length;
  }

  add(route: RouteSpec<T>): Diagnostic | null {
    const parsed = parseRule(route.rule, route.syntax);
    if (!parsed.ok) {
      return { severity: "error", message: `router ${route.name}: ${parsed.error}`, column: parsed.column };
    }
    const keys = hostIndexKeys(parsed.ast);
    const rest = keys && keys.length > 0 ? restWithinHostBucket(parsed.ast) : undefined;
    const leaves = (this.leaves ??= new Map());
    const entry: Entry<T> = {
      name: route.name,
      value: route.value,
      priority: route.priority ? route.priority : defaultPriority(route.rule),
      seq: this.all.length,
      matches: rest === undefined ? compileRule(parsed.ast, leaves) : rest === null ? always : compileRule(rest, leaves),
      rank: 0,
    };
    this.all.push(entry);
    this.dirty = true;
    if (keys === null) {
      this.fallback.push(entry);
      return null;
    }
    if (keys.length === 0) {
      return { severity: "warning", message: `router ${route.name}: rule can never match (it requires two different hosts at once)` };
    }
    for (const k of keys) {
      if (k.kind === "exact") {
        const bucket = this.exact.get(k.host);
        if (bucket === undefined) this.exact.set(k.host, entry);
        else if (Array.isArray(bucket)) bucket.push(entry);
        else this.exact.set(k.host, [bucket, entry]);
        continue;
      }
      const bucket = this.wildcard.get(k.suffix);
      if (bucket) bucket.push(entry);
      else this.wildcard.set(k.suffix, [entry]);
    }
    return null;
  }

  /** Sorts once after the last add; match() calls it lazily. */
  finalize(): void {
    this.leaves = null;
    if (!this.dirty) return;
    const sorted = [...this.all].sort(
      (a, b) => b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.seq - b.seq,
    );
    sorted.forEach((e, i) => (e.rank = i));
    const byRank = (a: Entry<T>, b: Entry<T>) => a.rank - b.rank;
    for (const bucket of this.exact.values()) if (Array.isArray(bucket)) bucket.sort(byRank);
    for (const bucket of this.wildcard.values()) bucket.sort(byRank);
    this.fallback.sort(byRank);
    this.dirty = false;
  }

  match(input: MatchInput): RouteMatch<T> | undefined {
    if (this.dirty) this.finalize();
    // Empty maps are not asked: reading the host string flattens it (an allocation and a lock in JSC).
    const host = this.exact.size > 0 || this.wildcard.size > 0 ? stripTrailingDot(input.host) : "";
    const got = this.exact.size > 0 ? this.exact.get(host) : undefined;
    // A one-route bucket is the entry itself: `single`, seen as a list of one.
    const single = got === undefined || Array.isArray(got) ? undefined : got;
    const a = got === undefined || single !== undefined ? NONE : (got as Entry<T>[]);
    const na = single !== undefined ? 1 : a.length;
    const dot = this.wildcard.size > 0 ? host.indexOf(".") : -1;
    const w = dot > 0 ? (this.wildcard.get(host.slice(dot + 1)) ?? NONE) : NONE;
    const f = this.fallback;
    let ia = 0;
    let iw = 0;
    let jf = 0;
    // Three-way merge by rank; each list is already in rank order.
    for (;;) {
      const ea = ia < na ? (single ?? a[ia]) : undefined;
      const ew = iw < w.length ? w[iw] : undefined;
      const ef = jf < f.length ? f[jf] : undefined;
      let e = ea;
      if (ew && (!e || ew.rank < e.rank)) e = ew;
      if (ef && (!e || ef.rank < e.rank)) e = ef;
      if (!e) return undefined;
      if (e === ea) ia++;
      else if (e === ew) iw++;
      else jf++;
      // The entry itself is a RouteMatch: no allocation per request.
      if (e.matches(input)) return e;
    }
  }
}
