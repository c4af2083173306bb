// Which hosts a request must carry for a rule to possibly match. The muxer
// files a route under these keys so a request only looks at routes for its
// own host plus the routes that cannot be indexed.
import type { RuleNode } from "./ast.ts";
import { parseHostPattern, stripTrailingDot } from "./host.ts";
import { hasPlaceholder } from "./placeholders.ts";

/** An index key: an exact host, or `*.suffix` (exactly one label under suffix). */
export type HostKey = { kind: "exact"; host: string } | { kind: "wildcard"; suffix: string };

function keyId(k: HostKey): string {
  return k.kind === "exact" ? k.host : `*.${k.suffix}`;
}

function dedupe(keys: HostKey[]): HostKey[] {
  const seen = new Map<string, HostKey>();
  for (const k of keys) seen.set(keyId(k), k);
  return [...seen.values()];
}

/**
 * Keys such that every request matching the rule has a host covered by one
 * of them; null when no such finite set is known (no Host, a regexp, a
 * negation, a catch-all). An empty array means the rule can never match.
 */
export function hostIndexKeys(ast: RuleNode): HostKey[] | null {
  switch (ast.kind) {
    case "matcher": {
      if (ast.name !== "Host" && ast.name !== "HostHeader") return null;
      const keys: HostKey[] = [];
      for (const value of ast.args) {
        if (ast.syntax === "v2" && hasPlaceholder(value)) return null;
        const p = parseHostPattern(value, ast.syntax === "v3");
        if (p.kind === "any") return null;
        if (p.kind !== "exact") {
          keys.push(p);
          continue;
        }
        keys.push({ kind: "exact", host: stripTrailingDot(p.host) });
        // `Host(\`k.com..\`)` (a dot left after parsing) matches requests for
        // "k.com." and "k.com..", which the muxer looks up as "k.com" and "k.com.".
        if (p.host.endsWith(".")) keys.push({ kind: "exact", host: p.host });
      }
      return dedupe(keys);
    }
    case "not":
      return null;
    case "or": {
      const l = hostIndexKeys(ast.left);
      const r = l && hostIndexKeys(ast.right);
      return l && r ? dedupe([...l, ...r]) : null;
    }
    case "and": {
      const l = hostIndexKeys(ast.left);
      const r = hostIndexKeys(ast.right);
      if (!l || !r) return l ?? r;
      // Either side alone is a valid constraint; intersect when both are exact.
      if (l.every((k) => k.kind === "exact") && r.every((k) => k.kind === "exact")) {
        const right = new Set(r.map(keyId));
        return l.filter((k) => right.has(keyId(k)));
      }
      return l.length <= r.length ? l : r;
    }
  }
}

/** Exact host names a matching request must have; null when not indexable by exact host. */
export function requiredHosts(ast: RuleNode): string[] | null {
  const keys = hostIndexKeys(ast);
  if (!keys || keys.some((k) => k.kind !== "exact")) return null;
  return keys.map(keyId);
}
