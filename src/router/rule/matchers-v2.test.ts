import { describe, expect, test } from "bun:test";
import { compileRule } from "./compile.ts";
import { parseRule } from "./parser.ts";
import { input, type InputFields } from "./test-input.ts";

function matches(rule: string, fields: InputFields): boolean {
  const r = parseRule(rule, "v2");
  if (!r.ok) throw new Error(r.error);
  return compileRule(r.ast)(input(fields));
}

describe("v2 matchers", () => {
  const cases: [string, InputFields, boolean][] = [
    // Host / HostHeader: several values OR-ed, no wildcard in v2
    ["Host(`a.com`, `b.com`)", { host: "b.com" }, true],
    ["Host(`a.com`, `b.com`)", { host: "c.com" }, false],
    ["HostHeader(`A.com`)", { host: "a.com." }, true],
    ["Host(`*.a.com`)", { host: "x.a.com" }, false],
    ["host(`a.com`)", { host: "a.com" }, true],
    ["HOST(`a.com`)", { host: "a.com" }, true],
    ["Host(`{sub:[a-z]+}.a.com`)", { host: "api.a.com" }, true],
    // HostRegexp: gorilla templates; text outside {} is literal
    ["HostRegexp(`{sub:[a-z]+}.example.com`)", { host: "api.example.com" }, true],
    ["HostRegexp(`{sub:[a-z]+}.example.com`)", { host: "api.examplexcom" }, false],
    ["HostRegexp(`{sub:[a-z]+}.example.com`)", { host: "a.b.example.com" }, false],
    ["HostRegexp(`{sub}.example.com`)", { host: "any-thing.example.com" }, true],
    ["HostRegexp(`{sub}.example.com`)", { host: "a.b.example.com" }, false],
    ["HostRegexp(`{host:.+}`)", { host: "whatever.test" }, true],
    ["HostRegexp(`.+`)", { host: "whatever.test" }, false], // literal ".+" in v2
    ["HostRegexp(`a.com`, `{x:[0-9]+}.b.com`)", { host: "12.b.com" }, true],
    // Path / PathPrefix with placeholders
    ["Path(`/users/{id:[0-9]+}`)", { path: "/users/42" }, true],
    ["Path(`/users/{id:[0-9]+}`)", { path: "/users/42/x" }, false],
    ["Path(`/users/{id}`)", { path: "/users/abc" }, true],
    ["Path(`/users/{id}`)", { path: "/users/a/b" }, false],
    ["Path(`/a`, `/b`)", { path: "/b" }, true],
    ["Path(`/a.b`)", { path: "/axb" }, false],
    ["PathPrefix(`/api/{v:v[0-9]{1,2}}/`)", { path: "/api/v12/items" }, true],
    ["PathPrefix(`/api/{v:v[0-9]{1,2}}/`)", { path: "/api/v123/items" }, false],
    ["PathPrefix(`/static`, `/assets`)", { path: "/assets/app.js" }, true],
    ["PathPrefix(`/static`)", { path: "/stat" }, false],
    // Method: any of
    ["Method(`GET`, `post`)", { method: "POST" }, true],
    ["Method(`GET`, `POST`)", { method: "PUT" }, false],
    // Headers / HeadersRegexp: pairs, all must match
    ["Headers(`X-A`, `1`)", { headers: { "x-a": "1" } }, true],
    ["Headers(`X-A`, `1`, `X-B`, `2`)", { headers: { "x-a": "1" } }, false],
    ["Headers(`X-A`, `1`, `X-B`, `2`)", { headers: { "x-a": "1", "x-b": "2" } }, true],
    ["HeadersRegexp(`Content-Type`, `^application/(json|xml)$`)", { headers: { "content-type": "application/xml" } }, true],
    ["HeadersRegexp(`Content-Type`, `^application/(json|xml)$`)", { headers: { "content-type": "text/html" } }, false],
    // Query: key=value items, all must match; first value of a key
    ["Query(`a=1`)", { query: "a=1" }, true],
    ["Query(`a=1`)", { query: "a=2&a=1" }, false],
    ["Query(`a=1`, `b=2`)", { query: "b=2&a=1" }, true],
    ["Query(`a=1`, `b=2`)", { query: "a=1" }, false],
    ["Query(`a=`)", { query: "a=anything" }, true],
    ["Query(`a=`)", { query: "b=1" }, false],
    ["Query(`id={id:[0-9]+}`)", { query: "id=42" }, true],
    ["Query(`id={id:[0-9]+}`)", { query: "id=4x" }, false],
    ["Query(`q=a b`)", { query: "q=a%20b" }, true],
    // ClientIP: several values
    ["ClientIP(`192.168.0.0/16`, `2001:db8::1`)", { clientIP: "2001:db8::1" }, true],
    ["ClientIP(`192.168.0.0/16`, `2001:db8::1`)", { clientIP: "192.169.0.1" }, false],
    // Negation (v2.5+)
    ["Host(`a.com`) && !Path(`/health`)", { host: "a.com", path: "/health" }, false],
    ["Host(`a.com`) && !Path(`/health`)", { host: "a.com", path: "/x" }, true],
  ];
  test.each(cases)("%p with %o -> %p", (rule, fields, want) => {
    expect(matches(rule, fields)).toBe(want);
  });
});
