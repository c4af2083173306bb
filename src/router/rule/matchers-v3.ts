// v3 matchers (Traefik's pkg/muxer/http/matcher.go): one value each, two for
// Header/HeaderRegexp, one or two for Query/QueryRegexp. Regexps are plain
// Go syntax. Host also takes several values (OR) and `*.x` / `*` wildcards.
import type { Predicate } from "./ast.ts";
import { hostPatternPredicate, parseHostPattern } from "./host.ts";
import { anyOf, atArg, clientIPPredicate, regexpArg, requireAscii, requireSlash, type MatcherSpec } from "./matcher-spec.ts";
import { queryValues } from "./query.ts";

function canonicalHeader(name: string): string {
  return name.toLowerCase();
}

function queryPredicate(key: string, value: string): Predicate {
  return (input) => queryValues(input.query).get(key)?.includes(value) ?? false;
}

export const V3_MATCHERS: MatcherSpec[] = [
  { name: "ClientIP", minArgs: 1, maxArgs: 1, build: clientIPPredicate },
  {
    name: "Method", minArgs: 1, maxArgs: 1,
    build: (node) => {
      const m = node.args[0].toUpperCase();
      return (input) => input.method === m;
    },
  },
  {
    name: "Host", minArgs: 1, maxArgs: Infinity,
    build: (node) =>
      anyOf(node.args.map((_, i) => {
        requireAscii(node, i);
        return hostPatternPredicate(atArg(node, i, () => parseHostPattern(node.args[i], true)));
      })),
  },
  {
    name: "HostRegexp", minArgs: 1, maxArgs: 1,
    build: (node) => {
      // Matched against the lower-cased host, as Traefik matches its canonized host.
      const re = regexpArg(node, 0, requireAscii(node, 0));
      return (input) => re.test(input.host);
    },
  },
  {
    name: "Path", minArgs: 1, maxArgs: 1,
    build: (node) => {
      const p = requireSlash(node, 0);
      return (input) => input.path === p;
    },
  },
  {
    name: "PathPrefix", minArgs: 1, maxArgs: 1,
    build: (node) => {
      const p = requireSlash(node, 0);
      return (input) => input.path.startsWith(p);
    },
  },
  {
    name: "PathRegexp", minArgs: 1, maxArgs: 1,
    build: (node) => {
      const re = regexpArg(node, 0);
      return (input) => re.test(input.path);
    },
  },
  {
    name: "Header", minArgs: 2, maxArgs: 2,
    build: (node) => {
      const key = canonicalHeader(node.args[0]);
      const value = node.args[1];
      return (input) => input.header(key) === value;
    },
  },
  {
    name: "HeaderRegexp", minArgs: 2, maxArgs: 2,
    build: (node) => {
      const key = canonicalHeader(node.args[0]);
      const re = regexpArg(node, 1);
      return (input) => {
        const v = input.header(key);
        return v !== null && re.test(v);
      };
    },
  },
  {
    name: "Query", minArgs: 1, maxArgs: 2,
    build: (node) => queryPredicate(node.args[0], node.args[1] ?? ""),
  },
  {
    name: "QueryRegexp", minArgs: 1, maxArgs: 2,
    build: (node) => {
      if (node.args.length === 1) return queryPredicate(node.args[0], "");
      const key = node.args[0];
      const re = regexpArg(node, 1);
      return (input) => queryValues(input.query).get(key)?.some((v) => re.test(v)) ?? false;
    },
  },
];
