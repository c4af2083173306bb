import { describe, expect, test } from "bun:test";
import { compileRule } from "./compile.ts";
import { parseRule } from "./parser.ts";
import { input, type InputFields } from "./test-input.ts";

function matches(rule: string, fields: InputFields): boolean {
  const r = parseRule(rule, "v3");
  if (!r.ok) throw new Error(r.error);
  return compileRule(r.ast)(input(fields));
}

describe("v3 matchers", () => {
  // [rule, request fields, expected]
  const cases: [string, InputFields, boolean][] = [
    // Host: lower-cased host without port, trailing dot either side, wildcards
    ["Host(`example.com`)", { host: "example.com" }, true],
    ["Host(`Example.COM`)", { host: "example.com" }, true],
    ["Host(`example.com`)", { host: "example.com." }, true],
    ["Host(`example.com.`)", { host: "example.com" }, true],
    ["Host(`example.com`)", { host: "www.example.com" }, false],
    ["Host(`example.com`)", { host: "" }, false],
    ["Host(`a.com`, `b.com`)", { host: "b.com" }, true],
    ["Host(`*.example.com`)", { host: "api.example.com" }, true],
    ["Host(`*.example.com`)", { host: "api.example.com." }, true],
    ["Host(`*.example.com`)", { host: "a.b.example.com" }, false],
    ["Host(`*.example.com`)", { host: "example.com" }, false],
    ["Host(`*.example.com`)", { host: "xexample.com" }, false],
    ["Host(`*`)", { host: "anything.test" }, true],
    ["Host(`*`)", { host: "" }, false],
    // HostRegexp: plain Go regexp on the lower-cased host
    ["HostRegexp(`^[a-z]+\\.example\\.com$`)", { host: "api.example.com" }, true],
    ["HostRegexp(`^[a-z]+\\.example\\.com$`)", { host: "api-1.example.com" }, false],
    ["HostRegexp(`example`)", { host: "www.example.org" }, true], // unanchored, like Go MatchString
    ["HostRegexp(`(?i)^EXAMPLE\\.com$`)", { host: "example.com" }, true],
    // Path family: as sent, no query
    ["Path(`/api`)", { path: "/api" }, true],
    ["Path(`/api`)", { path: "/api/" }, false],
    ["Path(`/API`)", { path: "/api" }, false],
    ["PathPrefix(`/api`)", { path: "/api/v1" }, true],
    ["PathPrefix(`/api`)", { path: "/ap" }, false],
    ["PathPrefix(`/api/{id:[0-9]+}`)", { path: "/api/{id:[0-9]+}/x" }, true], // no placeholders in v3
    ["PathRegexp(`^/user/[0-9]+$`)", { path: "/user/42" }, true],
    ["PathRegexp(`^/user/[0-9]+$`)", { path: "/user/4x" }, false],
    // Method
    ["Method(`get`)", { method: "GET" }, true],
    ["Method(`POST`)", { method: "GET" }, false],
    // Header / HeaderRegexp: names case-insensitive, values exact
    ["Header(`X-Env`, `prod`)", { headers: { "x-env": "prod" } }, true],
    ["Header(`x-env`, `prod`)", { headers: { "X-Env": "Prod" } }, false],
    ["Header(`X-Env`, `prod`)", {}, false],
    ["HeaderRegexp(`User-Agent`, `^curl/`)", { headers: { "user-agent": "curl/8.0" } }, true],
    ["HeaderRegexp(`User-Agent`, `^curl/`)", { headers: { "user-agent": "Mozilla" } }, false],
    ["HeaderRegexp(`User-Agent`, `.*`)", {}, false],
    // Query
    ["Query(`a`, `1`)", { query: "a=1&b=2" }, true],
    ["Query(`a`, `1`)", { query: "a=2&a=1" }, true],
    ["Query(`a`, `1`)", { query: "b=1" }, false],
    ["Query(`q`, `a b`)", { query: "q=a+b" }, true],
    ["Query(`q`, `a/b`)", { query: "q=a%2Fb" }, true],
    ["Query(`debug`)", { query: "debug" }, true],
    ["Query(`debug`)", { query: "debug=" }, true],
    ["Query(`debug`)", { query: "debug=1" }, false],
    ["Query(`debug`)", { query: "" }, false],
    ["Query(`a`, `1`)", { query: "a=1;b=2" }, false], // Go drops pairs containing ';'
    ["QueryRegexp(`id`, `^[0-9]+$`)", { query: "id=x&id=42" }, true],
    ["QueryRegexp(`id`, `^[0-9]+$`)", { query: "id=x" }, false],
    ["QueryRegexp(`flag`)", { query: "flag" }, true],
    // ClientIP: peer only, v4, v6, CIDR, v4-mapped
    ["ClientIP(`10.0.0.1`)", { clientIP: "10.0.0.1" }, true],
    ["ClientIP(`10.0.0.0/8`)", { clientIP: "10.20.30.40" }, true],
    ["ClientIP(`10.0.0.0/8`)", { clientIP: "11.0.0.1" }, false],
    ["ClientIP(`10.0.0.0/8`)", { clientIP: "::ffff:10.1.2.3" }, true],
    ["ClientIP(`2001:db8::/32`)", { clientIP: "2001:db8:1::5" }, true],
    ["ClientIP(`2001:db8::/32`)", { clientIP: "2001:db9::5" }, false],
    ["ClientIP(`::1`)", { clientIP: "::1" }, true],
    ["ClientIP(`10.0.0.1`)", { clientIP: "1.2.3.4", headers: { "x-forwarded-for": "10.0.0.1" } }, false],
    // Operators
    ["!Host(`a.com`)", { host: "b.com" }, true],
    ["!Host(`a.com`)", { host: "a.com" }, false],
    ["Host(`a.com`) && !PathPrefix(`/admin`)", { host: "a.com", path: "/admin/x" }, false],
    ["Host(`a.com`) && !PathPrefix(`/admin`)", { host: "a.com", path: "/x" }, true],
    ["Host(`a.com`) || Host(`b.com`) && Path(`/only`)", { host: "a.com", path: "/x" }, true],
    ["Host(`a.com`) || Host(`b.com`) && Path(`/only`)", { host: "b.com", path: "/x" }, false],
    ["(Host(`a.com`) || Host(`b.com`)) && Path(`/only`)", { host: "a.com", path: "/x" }, false],
    ["!(Method(`GET`) || Method(`HEAD`))", { method: "POST" }, true],
    ["!(Method(`GET`) || Method(`HEAD`))", { method: "HEAD" }, false],
  ];
  test.each(cases)("%p with %o -> %p", (rule, fields, want) => {
    expect(matches(rule, fields)).toBe(want);
  });

  test("compiling twice gives equivalent closures and no parse-time state leaks", () => {
    const r = parseRule("Query(`a`, `1`) && Query(`b`, `2`)", "v3");
    if (!r.ok) throw new Error(r.error);
    const f = compileRule(r.ast);
    expect(f(input({ query: "a=1&b=2" }))).toBe(true);
    expect(f(input({ query: "a=1&b=3" }))).toBe(false);
    expect(f(input({ query: "a=1&b=2" }))).toBe(true);
  });
});
