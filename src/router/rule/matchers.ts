// Matcher lookup by name for each syntax. Traefik registers each matcher
// under its own name plus its lower-case, upper-case and title-case forms
// (host, HOST, Hostregexp), so exactly those spellings are accepted.
import type { RuleSyntax } from "./ast.ts";
import type { MatcherSpec } from "./matcher-spec.ts";
import { V2_MATCHERS } from "./matchers-v2.ts";
import { V3_MATCHERS } from "./matchers-v3.ts";

function spellings(name: string): string[] {
  const lower = name.toLowerCase();
  return [name, lower, name.toUpperCase(), lower[0].toUpperCase() + lower.slice(1)];
}

function index(specs: MatcherSpec[]): Map<string, MatcherSpec> {
  const byName = new Map<string, MatcherSpec>();
  for (const spec of specs) for (const s of spellings(spec.name)) byName.set(s, spec);
  return byName;
}

const REGISTRY: Record<RuleSyntax, { specs: MatcherSpec[]; byName: Map<string, MatcherSpec> }> = {
  v2: { specs: V2_MATCHERS, byName: index(V2_MATCHERS) },
  v3: { specs: V3_MATCHERS, byName: index(V3_MATCHERS) },
};

export function findMatcher(name: string, syntax: RuleSyntax): MatcherSpec | undefined {
  return REGISTRY[syntax].byName.get(name);
}

export function matcherNames(syntax: RuleSyntax): string[] {
  return REGISTRY[syntax].specs.map((s) => s.name);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The message for an unknown matcher, with a "did you mean" when one is close. */
export function unknownMatcherMessage(name: string, syntax: RuleSyntax): string {
  const other: RuleSyntax = syntax === "v2" ? "v3" : "v2";
  const lower = name.toLowerCase();
  const same = REGISTRY[syntax].specs.find((s) => s.name.toLowerCase() === lower);
  if (same) return `unknown matcher "${name}"; did you mean "${same.name}"?`;
  const otherSpec = REGISTRY[other].specs.find((s) => s.name.toLowerCase() === lower);
  let best: string | undefined;
  let bestDist = Infinity;
  for (const s of REGISTRY[syntax].specs) {
    const d = editDistance(lower, s.name.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = s.name;
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 3));
  let msg = `unknown matcher "${name}" in ${syntax} rule syntax`;
  if (otherSpec) msg += ` (it is a ${other} matcher; set ruleSyntax: ${other})`;
  if (best !== undefined && bestDist <= limit) msg += `; did you mean "${best}"?`;
  else if (!otherSpec) msg += `; known matchers: ${matcherNames(syntax).join(", ")}`;
  return msg;
}
