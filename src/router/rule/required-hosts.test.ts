import { describe, expect, test } from "bun:test";
import type { RuleSyntax } from "./ast.ts";
import { parseRule } from "./parser.ts";
import { hostIndexKeys, requiredHosts } from "./required-hosts.ts";

function ast(rule: string, syntax: RuleSyntax) {
  const r = parseRule(rule, syntax);
  if (!r.ok) throw new Error(r.error);
  return r.ast;
}

describe("requiredHosts", () => {
  const cases: [string, RuleSyntax, string[] | null][] = [
    ["Host(`a.com`)", "v3", ["a.com"]],
    ["Host(`A.com.`)", "v3", ["a.com"]],
    ["Host(`a.com`) && PathPrefix(`/x`)", "v3", ["a.com"]],
    ["PathPrefix(`/x`) && Host(`a.com`)", "v3", ["a.com"]],
    ["Host(`a.com`) || Host(`b.com`)", "v3", ["a.com", "b.com"]],
    ["Host(`a.com`, `b.com`, `a.com`)", "v3", ["a.com", "b.com"]],
    ["(Host(`a.com`) || Host(`b.com`)) && Host(`b.com`)", "v3", ["b.com"]],
    ["Host(`a.com`) && Host(`b.com`)", "v3", []],
    ["Host(`a.com`) && !Host(`b.com`)", "v3", ["a.com"]],
    ["Host(`a.com`) || PathPrefix(`/x`)", "v3", null],
    ["PathPrefix(`/x`)", "v3", null],
    ["!Host(`a.com`)", "v3", null],
    ["!!Host(`a.com`)", "v3", null],
    ["HostRegexp(`^a\\.com$`)", "v3", null],
    ["Host(`*.a.com`)", "v3", null],
    ["Host(`*`)", "v3", null],
    ["Host(`a.com`) || Host(`*.b.com`)", "v3", null],
    ["Host(`a.com`, `b.com`) && Method(`GET`)", "v2", ["a.com", "b.com"]],
    ["HostHeader(`a.com`)", "v2", ["a.com"]],
    ["Host(`{sub}.a.com`)", "v2", null],
    ["HostRegexp(`a.com`)", "v2", null],
    ["Host(`*.a.com`)", "v2", ["*.a.com"]], // a literal name in v2 (never a wildcard)
  ];
  test.each(cases)("%p (%s) -> %p", (rule, syntax, want) => {
    expect(requiredHosts(ast(rule, syntax))).toEqual(want);
  });
});

describe("hostIndexKeys (wildcards indexed by suffix)", () => {
  const cases: [string, string[] | null][] = [
    ["Host(`*.a.com`)", ["*.a.com"]],
    ["Host(`x.com`) || Host(`*.a.com`)", ["x.com", "*.a.com"]],
    ["Host(`*.a.com`) && Host(`b.a.com`)", ["*.a.com"]],
    ["Host(`*.a.com`) && Path(`/`)", ["*.a.com"]],
    ["Host(`*`) || Host(`a.com`)", null],
  ];
  test.each(cases)("%p -> %p", (rule, want) => {
    const keys = hostIndexKeys(ast(rule, "v3"));
    expect(keys && keys.map((k) => (k.kind === "exact" ? k.host : `*.${k.suffix}`))).toEqual(want);
  });
});
