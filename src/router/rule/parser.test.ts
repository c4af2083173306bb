import { describe, expect, test } from "bun:test";
import type { RuleNode, RuleSyntax } from "./ast.ts";
import { parseRule } from "./parser.ts";

/** Compact S-expression of an AST, to compare shapes in tables. */
function show(n: RuleNode): string {
  switch (n.kind) {
    case "matcher":
      return `${n.name}(${n.args.join(",")})`;
    case "not":
      return `!${show(n.operand)}`;
    default:
      return `(${n.kind} ${show(n.left)} ${show(n.right)})`;
  }
}

function shape(rule: string, syntax: RuleSyntax = "v3"): string {
  const r = parseRule(rule, syntax);
  if (!r.ok) throw new Error(r.error);
  return show(r.ast);
}

describe("parseRule shapes", () => {
  const cases: [string, RuleSyntax, string][] = [
    ["Host(`a`)", "v3", "Host(a)"],
    ["Host(`a`) && Path(`/p`)", "v3", "(and Host(a) Path(/p))"],
    ["Host(`a`) || Host(`b`) && Path(`/p`)", "v3", "(or Host(a) (and Host(b) Path(/p)))"],
    ["Host(`a`) && Host(`b`) || Path(`/p`)", "v3", "(or (and Host(a) Host(b)) Path(/p))"],
    ["(Host(`a`) || Host(`b`)) && Path(`/p`)", "v3", "(and (or Host(a) Host(b)) Path(/p))"],
    ["!Host(`a`) && Path(`/p`)", "v3", "(and !Host(a) Path(/p))"],
    ["!(Host(`a`) && Path(`/p`))", "v3", "!(and Host(a) Path(/p))"],
    ["!!Method(`GET`)", "v3", "!!Method(GET)"],
    ["Path(`/a`) || Path(`/b`) || Path(`/c`)", "v3", "(or (or Path(/a) Path(/b)) Path(/c))"],
    ['Header("X-A", "1")', "v3", "Header(X-A,1)"],
    ["Query(`k`)", "v3", "Query(k)"],
    ["Host(`a`,`b`)", "v3", "Host(a,b)"],
    ["Host(`a`,)", "v3", "Host(a)"], // Go allows a trailing comma in calls
    ["host(`a`) && PATH(`/`) && Pathprefix(`/x`)", "v3", "(and (and Host(a) Path(/)) PathPrefix(/x))"],
    ["  Host( `a` )\n&&\tPath(`/`)  ", "v3", "(and Host(a) Path(/))"],
    ["Host(`a`,`b`) && HostHeader(`c`)", "v2", "(and Host(a,b) HostHeader(c))"],
    ["headers(`k`,`v`) || HEADERSREGEXP(`k`,`v.*`,`j`,`w`)", "v2", "(or Headers(k,v) HeadersRegexp(k,v.*,j,w))"],
    ["!ClientIP(`10.0.0.0/8`, `::1`)", "v2", "!ClientIP(10.0.0.0/8,::1)"],
    ["PathPrefix(`/api/{v:v[0-9]+}`) && Query(`a=b`, `c=`)", "v2", "(and PathPrefix(/api/{v:v[0-9]+}) Query(a=b,c=))"],
  ];
  test.each(cases)("%p (%s) parses as %p", (rule, syntax, want) => {
    expect(shape(rule, syntax)).toBe(want);
  });

  test("positions of names and arguments", () => {
    const r = parseRule("Host(`a`) && Header(`k`, `v`)", "v3");
    if (!r.ok || r.ast.kind !== "and" || r.ast.right.kind !== "matcher") throw new Error("bad parse");
    expect(r.ast.right.pos).toBe(13);
    expect(r.ast.right.argPos).toEqual([20, 25]);
  });
});

describe("parseRule errors", () => {
  // [rule, syntax, message pattern, 1-based column]
  const cases: [string, RuleSyntax, RegExp, number][] = [
    ["", "v3", /empty rule/, 1],
    ["Host(`a`) &&", "v3", /expected a matcher.*found the end of the rule/, 13],
    ["Host(`a`) Path(`/`)", "v3", /unexpected "Path" \(missing "&&" or "\|\|"\?\)/, 11],
    ["(Host(`a`)", "v3", /expected "\)" to close the parenthesis/, 11],
    ["Host(`a`))", "v3", /unexpected "\)"/, 10],
    ["Host `a`", "v3", /expected "\(" after Host/, 6],
    ["Host(a)", "v3", /must be quoted/, 6],
    ["Host(`a` `b`)", "v3", /expected "," or "\)"/, 10],
    ["Host()", "v3", /Host expects at least 1 argument, got 0/, 6],
    ["Host(`  `)", "v3", /empty value for matcher Host/, 6],
    ["Path(`/a`, `/b`)", "v3", /Path expects 1 argument, got 2/, 1],
    ["Header(`k`)", "v3", /Header expects 2 arguments, got 1/, 1],
    ["Query(`a`,`b`,`c`)", "v3", /Query expects 1 or 2 arguments, got 3/, 1],
    ["Headers(`a`,`b`,`c`)", "v2", /in pairs/, 1],
    ["Path(`x`)", "v3", /does not start with a '\/'/, 6],
    ["PathPrefix(`/a`, `b`)", "v2", /path "b" does not start/, 18],
    ["PathRegexp(`(`)", "v3", /invalid regexp/, 12],
    ["Host(`a`) && HostRegexp(`(?=x)`)", "v3", /lookaround/, 25],
    ["ClientIP(`10.0.0.300`)", "v3", /invalid IP or CIDR "10.0.0.300"/, 10],
    ["ClientIP(`::1`, `fe80::/200`)", "v2", /invalid IP or CIDR "fe80::\/200"/, 17],
    ["Host(`exämple.com`)", "v3", /non-ASCII/, 6],
    ["Host(`a.*.com`)", "v3", /only the first label may be \*/, 6],
    ["Query(`novalue`)", "v2", /must be written key=value/, 7],
    ["Path(`/a/{id:[0-9]+`)", "v2", /unbalanced braces/, 6],
    ["Path(`/a/{:x}`)", "v2", /missing name or pattern/, 6],
    ["Hots(`a`)", "v3", /unknown matcher "Hots" in v3 rule syntax; did you mean "Host"\?/, 1],
    ["hOsT(`a`)", "v3", /unknown matcher "hOsT"; did you mean "Host"\?/, 1],
    ["PathRegexp(`/a`)", "v2", /it is a v3 matcher; set ruleSyntax: v3/, 1],
    ["Headers(`a`,`b`)", "v3", /it is a v2 matcher.*did you mean "Header"\?/, 1],
    ["Frobnicate(`a`)", "v3", /known matchers: ClientIP, Method, Host/, 1],
  ];
  test.each(cases)("%p (%s) -> %p at column %p", (rule, syntax, msg, column) => {
    const r = parseRule(rule, syntax);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(msg);
    expect(r.column).toBe(column);
    expect(r.error).toContain(`(column ${column})`);
  });

  test("error shows the rule and a caret under the position", () => {
    const r = parseRule("Host(`a.com`) && Pth(`/x`)", "v3");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBe(
      'invalid rule: unknown matcher "Pth" in v3 rule syntax; did you mean "Path"? (column 18)\n' +
        "  Host(`a.com`) && Pth(`/x`)\n" +
        "                   ^",
    );
  });

  test("caret on the right line of a multi-line rule", () => {
    const r = parseRule("Host(`a`)\n  && Path('/x')", "v3");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.error.split("\n");
    expect(lines[1]).toBe("    && Path('/x')");
    expect(lines[2].indexOf("^")).toBe(lines[1].indexOf("'"));
    expect(r.column).toBe(21); // offset in the whole rule, newline included
  });
});
