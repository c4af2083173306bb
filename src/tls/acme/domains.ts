// Domain sets: normalization, identity, validation and coverage.
import type { DomainSet } from "./types.ts";

export function normalizeDomainSet(d: DomainSet): DomainSet {
  const main = d.main.trim().toLowerCase().replace(/\.$/, "");
  const seen = new Set([main]);
  const sans: string[] = [];
  for (const s of d.sans ?? []) {
    const n = s.trim().toLowerCase().replace(/\.$/, "");
    if (n && !seen.has(n)) {
      seen.add(n);
      sans.push(n);
    }
  }
  return { main, sans };
}

/** All names of a set, main first. */
export function domainNames(d: DomainSet): string[] {
  return [d.main, ...d.sans];
}

/** Identity of a domain set: main, then the SANs in any order. */
export function domainSetKey(resolver: string, d: DomainSet): string {
  const n = normalizeDomainSet(d);
  return `${resolver}\u0000${n.main}\u0000${[...n.sans].sort().join(",")}`;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Problems that make a domain set impossible to order with the given challenge kinds. */
export function domainSetProblems(d: DomainSet, challenges: { dns: boolean }): string[] {
  const out: string[] = [];
  if (!d.main) out.push("the main domain is empty");
  for (const name of domainNames(d)) {
    if (!name) continue;
    const labels = name.split(".");
    const wildcard = labels[0] === "*";
    if (name.indexOf("*", 1) !== -1) {
      out.push(`"${name}": only one wildcard, as the leftmost label, is allowed`);
    } else if (labels.slice(wildcard ? 1 : 0).some((l) => !LABEL.test(l))) {
      out.push(`"${name}" is not a valid domain name`);
    } else if (wildcard && labels.length < 2) {
      out.push(`"${name}" is not a valid wildcard`);
    } else if (wildcard && !challenges.dns) {
      out.push(`"${name}": wildcard certificates need a dnsChallenge resolver (HTTP-01 cannot validate wildcards)`);
    }
  }
  return out;
}

/** Whether certificate name `pattern` (maybe "*.x") covers host `name` (one label for a wildcard). */
export function nameCovers(pattern: string, name: string): boolean {
  if (pattern === name) return true;
  if (!pattern.startsWith("*.")) return false;
  const dot = name.indexOf(".");
  return dot > 0 && name.slice(dot + 1) === pattern.slice(2) && !name.startsWith("*.");
}

/** Whether a certificate for `have` serves every name of `want`. */
export function setCovers(have: DomainSet, want: DomainSet): boolean {
  const names = domainNames(have);
  return domainNames(want).every((w) => names.some((h) => nameCovers(h, w)));
}

export function describeDomains(d: DomainSet): string {
  return domainNames(d).join(",");
}
