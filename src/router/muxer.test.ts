import { describe, expect, test } from "bun:test";
import { Muxer, defaultPriority, type RouteSpec } from "./muxer.ts";
import { compileRule, parseRule, type RuleNode } from "./rule/index.ts";
import { input, type InputFields } from "./rule/test-input.ts";

type Route = Omit<RouteSpec<string>, "value" | "syntax"> & { syntax?: "v2" | "v3" };

function build(routes: Route[]): Muxer<string> {
  const m = new Muxer<string>();
  for (const r of routes) {
    const d = m.add({ syntax: "v3", ...r, value: `svc-${r.name}` });
    if (d) throw new Error(d.message);
  }
  return m;
}

describe("Muxer priority", () => {
  const routes: Route[] = [
    { name: "site", rule: "Host(`a.com`)" },
    { name: "api", rule: "Host(`a.com`) && PathPrefix(`/api`)" },
    { name: "api-v2", rule: "Host(`a.com`) && PathPrefix(`/api/v2`)" },
    { name: "catchall", rule: "PathPrefix(`/`)", priority: 1 },
    { name: "health", rule: "Path(`/health`)", priority: 1000 },
    { name: "low", rule: "Host(`a.com`) && Path(`/low`)", priority: -5 },
    { name: "wild", rule: "Host(`*.b.com`)" },
    { name: "wild-exact", rule: "Host(`x.b.com`) && Path(`/x`)" },
    { name: "regexp", rule: "HostRegexp(`^[0-9]+\\.c\\.com$`)" },
  ];
  const m = build(routes);

  const cases: [InputFields, string | undefined][] = [
    [{ host: "a.com", path: "/" }, "site"],
    [{ host: "a.com", path: "/api/x" }, "api"],
    [{ host: "a.com", path: "/api/v2/x" }, "api-v2"],
    [{ host: "a.com.", path: "/api/x" }, "api"], // trailing dot on the request
    [{ host: "other.com", path: "/x" }, "catchall"],
    [{ host: "a.com", path: "/health" }, "health"], // fallback route outranks the host bucket
    [{ host: "a.com", path: "/low" }, "site"], // negative priority loses to the rule-length default
    [{ host: "y.b.com", path: "/x" }, "wild"],
    [{ host: "x.b.com", path: "/x" }, "wild-exact"], // exact and wildcard buckets merged by priority
    [{ host: "x.b.com", path: "/y" }, "wild"],
    [{ host: "z.y.b.com", path: "/" }, "catchall"],
    [{ host: "42.c.com", path: "/" }, "regexp"],
  ];
  test.each(cases)("%o -> %p", (fields, want) => {
    expect(m.match(input(fields))?.name).toBe(want);
  });

  test("size and value", () => {
    expect(m.size).toBe(routes.length);
    expect(m.match(input({ host: "a.com", path: "/api" }))?.value).toBe("svc-api");
  });

  test("no match returns undefined", () => {
    const only = build([{ name: "one", rule: "Host(`a.com`)" }]);
    expect(only.match(input({ host: "b.com" }))).toBeUndefined();
  });
});

describe("Muxer ties and defaults", () => {
  test("default priority is the rule length in bytes; 0 means default", () => {
    expect(defaultPriority("Host(`a`)")).toBe(9);
    expect(defaultPriority("Path(`/é`)")).toBe(11);
    const m = build([
      { name: "long", rule: "PathPrefix(`/`) && Method(`GET`)", priority: 0 },
      { name: "short", rule: "PathPrefix(`/`)", priority: 20 },
    ]);
    // "long" has length 32 > 20
    expect(m.match(input({}))?.name).toBe("long");
  });

  test("equal priorities: name ascending, whatever the insertion order", () => {
    for (const order of [["b", "a", "c"], ["c", "b", "a"], ["a", "c", "b"]]) {
      const m = build(order.map((name) => ({ name, rule: "PathPrefix(`/`)", priority: 7 })));
      expect(m.match(input({}))?.name).toBe("a");
    }
  });

  test("ties across the host bucket and the fallback list", () => {
    const m = build([
      { name: "z-host", rule: "Host(`a.com`)", priority: 10 },
      { name: "a-any", rule: "PathPrefix(`/`)", priority: 10 },
    ]);
    expect(m.match(input({ host: "a.com" }))?.name).toBe("a-any");
    const m2 = build([
      { name: "a-host", rule: "Host(`a.com`)", priority: 10 },
      { name: "z-any", rule: "PathPrefix(`/`)", priority: 10 },
    ]);
    expect(m2.match(input({ host: "a.com" }))?.name).toBe("a-host");
  });

  test("routes added after a match are taken into account", () => {
    const m = build([{ name: "any", rule: "PathPrefix(`/`)", priority: 1 }]);
    expect(m.match(input({ host: "a.com" }))?.name).toBe("any");
    m.add({ name: "host", rule: "Host(`a.com`)", syntax: "v3", value: "x" });
    expect(m.match(input({ host: "a.com" }))?.name).toBe("host");
  });

  test("a route under several hosts matches each of them", () => {
    const m = build([{ name: "multi", rule: "Host(`a.com`) || Host(`b.com`)" }]);
    expect(m.match(input({ host: "a.com" }))?.name).toBe("multi");
    expect(m.match(input({ host: "b.com" }))?.name).toBe("multi");
    expect(m.match(input({ host: "c.com" }))).toBeUndefined();
  });

  test("v2 routes", () => {
    const m = build([
      { name: "v2", rule: "Host(`a.com`) && PathPrefix(`/u/{id:[0-9]+}`)", syntax: "v2" },
      { name: "v3", rule: "Host(`a.com`)" },
    ]);
    expect(m.match(input({ host: "a.com", path: "/u/1/x" }))?.name).toBe("v2");
    expect(m.match(input({ host: "a.com", path: "/u/x" }))?.name).toBe("v3");
  });
});

describe("Muxer diagnostics", () => {
  test("a bad rule gives an error diagnostic with column and is not added", () => {
    const m = new Muxer<number>();
    const d = m.add({ name: "bad", rule: "Host(`a`) && Pth(`/`)", syntax: "v3", value: 1 });
    expect(d?.severity).toBe("error");
    expect(d?.column).toBe(14);
    expect(d?.message).toContain("router bad:");
    expect(d?.message).toContain('did you mean "Path"');
    expect(d?.message).toContain("\n  Host(`a`) && Pth(`/`)\n               ^");
    expect(m.size).toBe(0);
  });

  test("a rule needing two hosts at once is reported as never matching", () => {
    const m = new Muxer<number>();
    const d = m.add({ name: "never", rule: "Host(`a`) && Host(`b`)", syntax: "v3", value: 1 });
    expect(d?.severity).toBe("warning");
    expect(m.match(input({ host: "a" }))).toBeUndefined();
  });
});

describe("Muxer host index", () => {
  test("requests only evaluate routes of their own host plus the fallback", () => {
    const m = new Muxer<string>();
    const evaluated: string[] = [];
    // Each rule is real; we count evaluations through a header lookup the rule performs.
    for (let i = 0; i < 200; i++) {
      m.add({ name: `r${i}`, rule: `Host(\`h${i}.test\`) && Header(\`X-Probe\`, \`r${i}\`)`, syntax: "v3", value: `r${i}` });
    }
    m.add({ name: "fb", rule: "Header(`X-Probe`, `fb`)", syntax: "v3", value: "fb", priority: 1 });
    const req = input({ host: "h7.test" });
    const probing = { ...req, header: (n: string) => { evaluated.push(n); return null; } };
    expect(m.match(probing)).toBeUndefined();
    expect(evaluated.length).toBe(2); // r7 and the fallback, not 201 rules
  });
});

describe("Muxer agrees with evaluating every full rule in priority order", () => {
  // Shapes the muxer files or compiles differently: plain Host (checked by the
  // bucket alone), Host && rest, several hosts, wildcards, trailing dots, v2.
  const routes: Route[] = [
    { name: "plain", rule: "Host(`a.com`)" },
    { name: "plain-path", rule: "Host(`a.com`) && PathPrefix(`/api`)" },
    { name: "plain-not", rule: "Host(`b.com`) && !PathPrefix(`/private`)" },
    { name: "dotted", rule: "Host(`d.com.`) && Path(`/d`)" },
    { name: "double-dot", rule: "Host(`k.com..`)" },
    { name: "upper", rule: "Host(`UP.com`) && Method(`POST`)" },
    { name: "two-hosts", rule: "Host(`c.com`, `e.com`) && Path(`/two`)" },
    { name: "either", rule: "Host(`f.com`) || Host(`g.com`)" },
    { name: "rest-host", rule: "PathPrefix(`/h`) && Host(`h.com`)" },
    { name: "wild", rule: "Host(`*.w.com`) && PathPrefix(`/`)" },
    { name: "v2-header", rule: "HostHeader(`v.com`) && Path(`/v`)", syntax: "v2" },
    { name: "v2-tpl", rule: "Host(`{sub:[a-z]+}.t.com`)", syntax: "v2" },
    { name: "any", rule: "PathPrefix(`/fallback`)" },
  ];
  const m = build(routes);
  const ranked = routes
    .map((r, seq) => ({ ...r, seq, prio: r.priority || defaultPriority(r.rule), pred: compileRule((parseRule(r.rule, r.syntax ?? "v3") as { ast: RuleNode }).ast) }))
    .sort((x, y) => y.prio - x.prio || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0) || x.seq - y.seq);
  const hosts = ["a.com", "a.com.", "b.com", "d.com", "d.com.", "up.com", "c.com", "e.com", "f.com", "g.com.", "h.com", "x.w.com", "v.com", "q.t.com", "k.com", "k.com.", "k.com..", "z.com", ""];
  const paths = ["/", "/api/x", "/private/1", "/d", "/two", "/h", "/v", "/fallback"];
  test("same route for every host, path and method", () => {
    let checked = 0;
    for (const host of hosts) {
      for (const path of paths) {
        for (const method of ["GET", "POST"]) {
          const req = input({ host, path, method });
          expect(`${host} ${path} ${method} -> ${m.match(req)?.name}`).toBe(`${host} ${path} ${method} -> ${ranked.find((r) => r.pred(req))?.name}`);
          checked++;
        }
      }
    }
    expect(checked).toBe(hosts.length * paths.length * 2);
  });
});

describe("compileRule with a leaf cache", () => {
  test("equal matchers share one predicate; different ones do not", () => {
    const leaves = new Map();
    const ast = (rule: string) => (parseRule(rule, "v3") as { ast: RuleNode }).ast as { kind: "and"; left: RuleNode; right: RuleNode };
    compileRule(ast("Host(`a`) && PathPrefix(`/`)"), leaves);
    compileRule(ast("Host(`b`) && PathPrefix(`/`)"), leaves);
    compileRule(ast("Host(`c`) && PathPrefix(`/x`)"), leaves);
    // Host a, b, c and PathPrefix / and /x: five leaves for six matchers.
    expect(leaves.size).toBe(5);
    const pred = compileRule(ast("PathPrefix(`/`)") as unknown as RuleNode, leaves);
    expect(pred(input({ path: "/y" }))).toBe(true);
    expect(leaves.size).toBe(5);
  });
});
