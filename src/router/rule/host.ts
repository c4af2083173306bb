// Host comparison shared by the matchers and the muxer's host index. Hosts
// are compared lower-cased and without port; one trailing dot (the DNS root)
// on either side is ignored, as Traefik does.
import type { Predicate } from "./ast.ts";

export function stripTrailingDot(host: string): string {
  return host.length > 1 && host.charCodeAt(host.length - 1) === 46 ? host.slice(0, -1) : host;
}

export type HostPattern =
  | { kind: "exact"; host: string }
  | { kind: "wildcard"; suffix: string } // `*.example.com`: suffix "example.com"
  | { kind: "any" }; // `*`

/** Reads a Host value; wildcards only when the syntax allows them (v3). */
export function parseHostPattern(value: string, allowWildcard: boolean): HostPattern {
  const host = stripTrailingDot(value.toLowerCase());
  if (allowWildcard) {
    if (host === "*") return { kind: "any" };
    if (host.startsWith("*.") && host.length > 2) {
      const suffix = host.slice(2);
      if (suffix.includes("*")) throw new Error(`invalid wildcard host ${JSON.stringify(value)}: only the first label may be *`);
      return { kind: "wildcard", suffix };
    }
    if (host.includes("*")) throw new Error(`invalid wildcard host ${JSON.stringify(value)}: only the first label may be *`);
  }
  return { kind: "exact", host };
}

/** True when `reqHost` (already stripped of its trailing dot) is one label under `suffix`. */
export function isOneLabelUnder(reqHost: string, suffix: string): boolean {
  const labelEnd = reqHost.length - suffix.length - 1;
  return (
    labelEnd > 0 &&
    reqHost.endsWith(suffix) &&
    reqHost.charCodeAt(labelEnd) === 46 &&
    reqHost.lastIndexOf(".", labelEnd - 1) < 0
  );
}

const anyHost: Predicate = (input) => input.host.length > 0;

export function hostPatternPredicate(p: HostPattern): Predicate {
  switch (p.kind) {
    case "any":
      return anyHost;
    case "wildcard":
      return wildcardHost(p.suffix);
    case "exact":
      return exactHost(p.host);
  }
}

// One closure over one string each (not over the pattern object): there is one per Host() of every rule.
function wildcardHost(suffix: string): Predicate {
  return (input) => isOneLabelUnder(stripTrailingDot(input.host), suffix);
}

function exactHost(host: string): Predicate {
  return (input) => input.host === host || (input.host.length > 0 && stripTrailingDot(input.host) === host);
}
