// v2 matchers (Traefik v2 on gorilla/mux): most take several values, OR-ed.
// Headers/HeadersRegexp take key/value pairs and Query takes `k=v` items;
// like gorilla/mux, all pairs/items must match (AND). Host, HostRegexp,
// Path and PathPrefix accept `{name:regex}` placeholders.
import type { MatcherNode, Predicate } from "./ast.ts";
import { hostPatternPredicate, parseHostPattern } from "./host.ts";
import {
  allOf, anyOf, argError, atArg, clientIPPredicate, regexpArg, requireAscii, requireSlash, type MatcherSpec,
} from "./matcher-spec.ts";
import { hasPlaceholder, templateToGoRegexp, type TemplateKind } from "./placeholders.ts";
import { firstQueryValue } from "./query.ts";

function templateRegexp(node: MatcherNode, i: number, kind: TemplateKind): RegExp {
  const source = atArg(node, i, () => templateToGoRegexp(node.args[i], kind));
  return regexpArg(node, i, source);
}

function hostValues(node: MatcherNode, regexpOnly: boolean): Predicate {
  return anyOf(node.args.map((value, i) => {
    requireAscii(node, i);
    if (regexpOnly || hasPlaceholder(value)) {
      // Templates are matched against the lower-cased host (see report: gorilla used the raw host).
      const re = templateRegexp(node, i, "host");
      return (input) => re.test(input.host);
    }
    return hostPatternPredicate(parseHostPattern(value, false));
  }));
}

function pathValues(node: MatcherNode, prefix: boolean): Predicate {
  return anyOf(node.args.map((value, i): Predicate => {
    requireSlash(node, i);
    if (hasPlaceholder(value)) {
      const re = templateRegexp(node, i, prefix ? "prefix" : "path");
      return (input) => re.test(input.path);
    }
    return prefix ? (input) => input.path.startsWith(value) : (input) => input.path === value;
  }));
}

function headerPairs(node: MatcherNode, regexp: boolean): Predicate {
  const preds: Predicate[] = [];
  for (let i = 0; i < node.args.length; i += 2) {
    const key = node.args[i].toLowerCase();
    const value = node.args[i + 1];
    if (regexp) {
      const re = regexpArg(node, i + 1);
      preds.push((input) => {
        const v = input.header(key);
        return v !== null && re.test(v);
      });
    } else {
      preds.push((input) => input.header(key) === value);
    }
  }
  return allOf(preds);
}

function queryItems(node: MatcherNode): Predicate {
  return allOf(node.args.map((item, i): Predicate => {
    const eq = item.indexOf("=");
    if (eq < 0) throw argError(node, i, `Query: ${JSON.stringify(item)} must be written key=value in v2 syntax`);
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (!hasPlaceholder(item)) {
      // `k=` means "k present, any value"; otherwise the first value must be equal.
      return value === ""
        ? (input) => firstQueryValue(input.query, key) !== null
        : (input) => firstQueryValue(input.query, key) === value;
    }
    const re = templateRegexp(node, i, "query");
    return (input) => {
      const v = firstQueryValue(input.query, key);
      return v !== null && re.test(`${key}=${v}`);
    };
  }));
}

export const V2_MATCHERS: MatcherSpec[] = [
  { name: "Host", minArgs: 1, maxArgs: Infinity, build: (node) => hostValues(node, false) },
  { name: "HostHeader", minArgs: 1, maxArgs: Infinity, build: (node) => hostValues(node, false) },
  { name: "HostRegexp", minArgs: 1, maxArgs: Infinity, build: (node) => hostValues(node, true) },
  { name: "ClientIP", minArgs: 1, maxArgs: Infinity, build: clientIPPredicate },
  { name: "Path", minArgs: 1, maxArgs: Infinity, build: (node) => pathValues(node, false) },
  { name: "PathPrefix", minArgs: 1, maxArgs: Infinity, build: (node) => pathValues(node, true) },
  {
    name: "Method", minArgs: 1, maxArgs: Infinity,
    build: (node) => {
      const methods = new Set(node.args.map((m) => m.toUpperCase()));
      return (input) => methods.has(input.method);
    },
  },
  { name: "Headers", minArgs: 2, maxArgs: Infinity, argMultiple: 2, build: (node) => headerPairs(node, false) },
  { name: "HeadersRegexp", minArgs: 2, maxArgs: Infinity, argMultiple: 2, build: (node) => headerPairs(node, true) },
  { name: "Query", minArgs: 1, maxArgs: Infinity, build: queryItems },
];
