// Route lookup for one generation. Routes are filed by the hosts their rule
// requires (exact host, or `*.suffix` wildcard); routes with no such host
// go to a fallback list. A request walks its host's bucket, its wildcard
// bucket and the fallback list together in priority order, so its cost does
// not grow with the number of routes for other hosts.
import type { Diagnostic } from "../config/diagnostic.ts";
import { compileRule, hostIndexKeys, parseRule, type MatchInput, type Predicate, type RuleSyntax } from "./rule/index.ts";
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
  name: string;
  value: T;
}

interface Entry<T> {
  name: string;
  value: T;
  priority: number;
  seq: number;
  matches: Predicate;
  /** Position in the global order (priority desc, name asc, insertion); set by finalize. */
  rank: number;
}

const NONE: never[] = [];
const encoder = new TextEncoder();

/** Traefik's default priority: len(rule) in bytes. */
export function defaultPriority(rule: string): number {
  return encoder.encode(rule).length;
}

export class Muxer<T> {
  private readonly exact = new Map<string, Entry<T>[]>();
  private readonly wildcard = new Map<string, Entry<T>[]>();
  private readonly fallback: Entry<T>[] = [];
  private readonly all: Entry<T>[] = [];
  private dirty = false;

  get size(): number {
    return this.all.length;
  }

  add(route: RouteSpec<T>): Diagnostic | null {
    const parsed = parseRule(route.rule, route.syntax);
    if (!parsed.ok) {
      return { severity: "error", message: `router ${route.name}: ${parsed.error}`, column: parsed.column };
    }
    const entry: Entry<T> = {
      name: route.name,
      value: route.value,
      priority: route.priority ? route.priority : defaultPriority(route.rule),
      seq: this.all.length,
      matches: compileRule(parsed.ast),
      rank: 0,
    };
    this.all.push(entry);
    this.dirty = true;
    const keys = hostIndexKeys(parsed.ast);
    if (keys === null) {
      this.fallback.push(entry);
      return null;
    }
    if (keys.length === 0) {
      return { severity: "warning", message: `router ${route.name}: rule can never match (it requires two different hosts at once)` };
    }
    for (const k of keys) {
      const map = k.kind === "exact" ? this.exact : this.wildcard;
      const id = k.kind === "exact" ? k.host : k.suffix;
      const bucket = map.get(id);
      if (bucket) bucket.push(entry);
      else map.set(id, [entry]);
    }
    return null;
  }

  /** Sorts once after the last add; match() calls it lazily. */
  finalize(): void {
    if (!this.dirty) return;
    const sorted = [...this.all].sort(
      (a, b) => b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.seq - b.seq,
    );
    sorted.forEach((e, i) => (e.rank = i));
    const byRank = (a: Entry<T>, b: Entry<T>) => a.rank - b.rank;
    for (const bucket of this.exact.values()) bucket.sort(byRank);
    for (const bucket of this.wildcard.values()) bucket.sort(byRank);
    this.fallback.sort(byRank);
    this.dirty = false;
  }

  match(input: MatchInput): RouteMatch<T> | undefined {
    if (this.dirty) this.finalize();
    const host = stripTrailingDot(input.host);
    const a = this.exact.get(host) ?? NONE;
    const dot = host.indexOf(".");
    const w = dot > 0 && this.wildcard.size > 0 ? (this.wildcard.get(host.slice(dot + 1)) ?? NONE) : NONE;
    const f = this.fallback;
    let ia = 0;
    let iw = 0;
    let jf = 0;
    // Three-way merge by rank; each list is already in rank order.
    for (;;) {
      const ea = ia < a.length ? a[ia] : undefined;
      const ew = iw < w.length ? w[iw] : undefined;
      const ef = jf < f.length ? f[jf] : undefined;
      let e = ea;
      if (ew && (!e || ew.rank < e.rank)) e = ew;
      if (ef && (!e || ef.rank < e.rank)) e = ef;
      if (!e) return undefined;
      if (e === ea) ia++;
      else if (e === ew) iw++;
      else jf++;
      if (e.matches(input)) return { name: e.name, value: e.value };
    }
  }
}
