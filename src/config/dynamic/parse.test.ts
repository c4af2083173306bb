import { describe, expect, test } from "bun:test";
import { parseDynamicYaml } from "./parse.ts";

/** Expected diagnostic: severity, line, column, path, and a piece of the message. */
type Want = [severity: "error" | "warning", line: number, column: number, path: string | undefined, message: string];

const ROUTER_OK = "    ok:\n      rule: Host(`a`)\n      service: s\n";

const cases: { name: string; yaml: string; want: Want[] }[] = [
  {
    name: "YAML syntax error",
    yaml: "http:\n  routers:\n    a: {rule: x\n",
    want: [["error", 4, 1, undefined, "invalid YAML"]],
  },
  {
    name: "duplicate key is a YAML error",
    yaml: "http:\n  routers: {}\n  routers: {}\n",
    want: [["error", 3, 3, undefined, "Map keys must be unique"]],
  },
  {
    name: "root is not a mapping",
    yaml: "- a\n- b\n",
    want: [["error", 1, 1, undefined, "must be a YAML mapping"]],
  },
  {
    name: "router missing rule, at the router's key",
    yaml: "http:\n  routers:\n    api:\n      service: s\n",
    want: [["error", 3, 5, "http.routers.api", 'missing required key "rule"']],
  },
  {
    name: "router with empty service",
    yaml: "http:\n  routers:\n    api:\n      rule: Host(`a`)\n      service:\n",
    want: [["error", 5, 7, "http.routers.api.service", 'missing value for required key "service"']],
  },
  {
    name: "wrong type: priority",
    yaml: "http:\n  routers:\n    api: {rule: x, service: s, priority: high}\n",
    want: [["error", 3, 42, "http.routers.api.priority", 'expected an integer, got "high"']],
  },
  {
    name: "wrong type: entryPoints is a mapping",
    yaml: "http:\n  routers:\n    api:\n      rule: x\n      service: s\n      entryPoints: {web: 1}\n",
    want: [["error", 6, 20, "http.routers.api.entryPoints", "expected a list, got a mapping"]],
  },
  {
    name: "wrong type: routers is a list",
    yaml: "http:\n  routers: [a]\n",
    want: [["error", 2, 12, "http.routers", "expected a mapping of names to definitions, got a list"]],
  },
  {
    name: "ruleSyntax outside v2/v3",
    yaml: "http:\n  routers:\n    api: {rule: x, service: s, ruleSyntax: v4}\n",
    want: [["error", 3, 44, "http.routers.api.ruleSyntax", 'expected one of "v2", "v3", got "v4"']],
  },
  {
    name: "server url not absolute",
    yaml: "http:\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: http://a:1\n          - url: 10.0.0.2:80\n",
    want: [["error", 7, 18, "http.services.s.loadBalancer.servers[1].url", "absolute http://, https:// or h2c:// URL"]],
  },
  {
    name: "server url with another scheme",
    yaml: "http:\n  services:\n    s:\n      loadBalancer: {servers: [{url: 'ftp://a'}]}\n",
    want: [["error", 4, 38, "http.services.s.loadBalancer.servers[0].url", 'got "ftp://a"']],
  },
  {
    name: "server without url",
    yaml: "http:\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - weight: 2\n",
    want: [["error", 6, 13, "http.services.s.loadBalancer.servers[0]", 'missing required key "url"']],
  },
  {
    name: "load balancer with no servers is a warning",
    yaml: "http:\n  services:\n    s:\n      loadBalancer: {}\n",
    want: [["warning", 4, 7, "http.services.s.loadBalancer", "no servers"]],
  },
  {
    name: "service with two types",
    yaml: "http:\n  services:\n    s:\n      loadBalancer: {servers: [{url: 'http://a'}]}\n      failover: {service: a, fallback: b}\n",
    want: [["error", 3, 5, "http.services.s", "found loadBalancer and failover"]],
  },
  {
    name: "service with no type",
    yaml: "http:\n  services:\n    s: {}\n",
    want: [["error", 3, 5, "http.services.s", "exactly one service type (loadBalancer, weighted, mirroring, failover); found none"]],
  },
  {
    name: "failover missing fallback",
    yaml: "http:\n  services:\n    s:\n      failover: {service: a}\n",
    want: [["error", 4, 7, "http.services.s.failover", 'missing required key "fallback"']],
  },
  {
    name: "unknown service type suggests the right one",
    yaml: "http:\n  services:\n    s:\n      loadBalancr: {}\n",
    want: [["error", 4, 7, "http.services.s.loadBalancr", '"loadBalancr" (did you mean "loadBalancer"?)']],
  },
  {
    name: "middleware with two kinds",
    yaml: "http:\n  middlewares:\n    m:\n      stripPrefix: {prefixes: [/a]}\n      addPrefix: {prefix: /b}\n",
    want: [["error", 3, 5, "http.middlewares.m", "found stripPrefix and addPrefix"]],
  },
  {
    name: "middleware with no kind",
    yaml: "http:\n  middlewares:\n    m: {}\n",
    want: [["error", 3, 5, "http.middlewares.m", "exactly one middleware kind"]],
  },
  {
    name: "unknown middleware kind",
    yaml: "http:\n  middlewares:\n    m:\n      redirectSchema: {scheme: https}\n",
    want: [["error", 4, 7, "http.middlewares.m.redirectSchema", 'did you mean "redirectScheme"?']],
  },
  {
    name: "middleware options must be a mapping",
    yaml: "http:\n  middlewares:\n    m:\n      compress: yes\n",
    want: [["error", 4, 17, "http.middlewares.m.compress", 'expected a mapping of options, got "yes"']],
  },
  {
    name: "unknown key is a warning with a suggestion",
    yaml: `http:\n  routers:\n${ROUTER_OK}    api:\n      rule: x\n      service: s\n      midlewares: [a]\n`,
    want: [["warning", 9, 7, "http.routers.api.midlewares", 'unknown key "midlewares" (did you mean "middlewares"?)']],
  },
  {
    name: "every unknown middleware kind is reported",
    yaml: "http:\n  middlewares:\n    m: {foo: {}, bar: {}}\n",
    want: [
      ["error", 3, 9, "http.middlewares.m.foo", 'unknown middleware kind "foo"'],
      ["error", 3, 18, "http.middlewares.m.bar", 'unknown middleware kind "bar"'],
    ],
  },
  {
    name: "unknown top-level key without a close match",
    yaml: "frobnicate: 1\n",
    want: [["warning", 1, 1, "frobnicate", 'unknown key "frobnicate"; it is ignored']],
  },
  {
    name: "options Sluice does not apply are accepted with a warning, never silently",
    yaml: "http:\n  serversTransports:\n    t: {peerCertURI: 'spiffe://x', disableHTTP2: true}\ntls:\n  stores:\n    default:\n      defaultGeneratedCert: {resolver: le}\n",
    want: [
      ["warning", 3, 9, "http.serversTransports.t.peerCertURI", "peerCertURI is not supported: backend certificates are checked against rootCAs and serverName only"],
      ["warning", 7, 7, "tls.stores.default.defaultGeneratedCert", "defaultGeneratedCert is not supported yet: the default certificate is defaultCertificate or a generated self-signed one"],
    ],
  },
  {
    name: "tcp and udp are accepted with a warning",
    yaml: "tcp:\n  routers: {}\nudp:\n  services: {}\n",
    want: [
      ["warning", 1, 1, "tcp", "tcp/udp routing is not supported by Sluice yet"],
      ["warning", 3, 1, "udp", "tcp/udp routing is not supported by Sluice yet"],
    ],
  },
  {
    name: "bad duration",
    yaml: "http:\n  services:\n    s:\n      loadBalancer:\n        servers: [{url: 'http://a'}]\n        healthCheck: {interval: soon}\n",
    want: [["error", 6, 33, "http.services.s.loadBalancer.healthCheck.interval", "expected a duration"]],
  },
  {
    name: "tls certificate missing keyFile",
    yaml: "tls:\n  certificates:\n    - certFile: /a.crt\n",
    want: [["error", 3, 7, "tls.certificates[0]", 'missing required key "keyFile"']],
  },
  {
    name: "the same key twice in different case",
    yaml: "http:\n  routers:\n    a:\n      rule: x\n      Rule: y\n      service: s\n",
    want: [["warning", 5, 7, "http.routers.a.rule", "given more than once"]],
  },
  {
    name: "bool as a non-Go spelling",
    yaml: "tls:\n  options:\n    default: {sniStrict: yes}\n",
    want: [["error", 3, 26, "tls.options.default.sniStrict", 'expected true or false, got "yes"']],
  },
];

describe("parseDynamicYaml diagnostics", () => {
  for (const c of cases) {
    test(c.name, () => {
      const { diagnostics } = parseDynamicYaml(c.yaml, "dyn.yml");
      const got = diagnostics.map((d) => [d.severity, d.line, d.column, d.path]);
      expect(got).toEqual(c.want.map((w) => [w[0], w[1], w[2], w[3]]));
      diagnostics.forEach((d, i) => {
        expect(d.file).toBe("dyn.yml");
        expect(d.message).toContain(c.want[i][4]);
      });
    });
  }
});

describe("parseDynamicYaml values", () => {
  test("a full valid file decodes with no diagnostics", () => {
    const yaml = [
      "http:",
      "  routers:",
      "    api:",
      "      entryPoints: [websecure]",
      "      rule: Host(`api.example.com`)",
      "      priority: 10",
      "      middlewares: [rl, auth@file]",
      "      service: api-svc",
      "      tls: {certResolver: le, domains: [{main: example.com, sans: ['*.example.com']}]}",
      "  services:",
      "    api-svc:",
      "      loadBalancer:",
      "        servers: [{url: 'http://10.0.0.1:8080', weight: 2}]",
      "        passHostHeader: false",
      "        healthCheck: {path: /health, interval: 10s, timeout: 3, headers: {X-A: b}}",
      "        sticky: {cookie: {}}",
      "    canary: {weighted: {services: [{name: api-svc, weight: 9}]}}",
      "  middlewares:",
      "    rl: {rateLimit: {average: 100, burst: 50}}",
      "tls:",
      "  certificates: [{certFile: /c.crt, keyFile: /c.key}]",
      "  options: {default: {minVersion: VersionTLS12}}",
    ].join("\n");
    const { config, diagnostics } = parseDynamicYaml(yaml, "f.yml");
    expect(diagnostics).toEqual([]);
    expect(config.http?.routers?.api).toEqual({
      entryPoints: ["websecure"],
      rule: "Host(`api.example.com`)",
      priority: 10,
      middlewares: ["rl", "auth@file"],
      service: "api-svc",
      tls: { certResolver: "le", domains: [{ main: "example.com", sans: ["*.example.com"] }] },
    });
    expect(config.http?.services?.["api-svc"]?.loadBalancer).toEqual({
      servers: [{ url: "http://10.0.0.1:8080", weight: 2 }],
      passHostHeader: false,
      healthCheck: { path: "/health", interval: "10s", timeout: 3, headers: { "X-A": "b" } },
      sticky: { cookie: {} },
    });
    expect(config.http?.middlewares?.rl).toEqual({ rateLimit: { average: 100, burst: 50 } });
    expect(config.tls).toEqual({ certificates: [{ certFile: "/c.crt", keyFile: "/c.key" }], options: { default: { minVersion: "VersionTLS12" } } });
  });

  test("keys match case-insensitively and come out canonical", () => {
    const yaml = "HTTP:\n  Routers:\n    api: {RULE: x, Service: s, EntryPoints: [web]}\n  middlewares:\n    m: {StripPrefix: {prefixes: [/a]}}\n";
    const { config, diagnostics } = parseDynamicYaml(yaml, "f.yml");
    expect(diagnostics).toEqual([]);
    expect(config.http?.routers?.api).toEqual({ rule: "x", service: "s", entryPoints: ["web"] });
    expect(config.http?.middlewares?.m).toEqual({ stripPrefix: { prefixes: ["/a"] } });
  });

  test("Traefik's lenient scalars: numeric strings, Go booleans, comma lists, tls: true", () => {
    const yaml = "http:\n  routers:\n    api: {rule: x, service: s, priority: '7', entryPoints: 'web, websecure', tls: true}\n  services:\n    s: {loadBalancer: {servers: [{url: 'http://a'}], passHostHeader: 'False'}}\n";
    const { config, diagnostics } = parseDynamicYaml(yaml, "f.yml");
    expect(diagnostics).toEqual([]);
    expect(config.http?.routers?.api).toEqual({ rule: "x", service: "s", priority: 7, entryPoints: ["web", "websecure"], tls: {} });
    expect(config.http?.services?.s?.loadBalancer?.passHostHeader).toBe(false);
  });

  test("an element with an error is left out, its siblings stay", () => {
    const yaml = "http:\n  routers:\n    good: {rule: x, service: s}\n    bad: {rule: x}\n";
    const { config, diagnostics } = parseDynamicYaml(yaml, "f.yml");
    expect(diagnostics).toHaveLength(1);
    expect(Object.keys(config.http?.routers ?? {})).toEqual(["good"]);
  });

  test("anchors and merge keys are resolved", () => {
    const yaml = "x-lb: &lb\n  servers: [{url: 'http://a'}]\nhttp:\n  services:\n    s: {loadBalancer: {<<: *lb, passHostHeader: false}}\n";
    const { config, diagnostics } = parseDynamicYaml(yaml, "f.yml");
    // The extension key at the top is unknown (warned), the anchor still works.
    expect(diagnostics.map((d) => d.severity)).toEqual(["warning"]);
    expect(config.http?.services?.s?.loadBalancer).toEqual({ servers: [{ url: "http://a" }], passHostHeader: false });
  });

  test("an empty file is an empty config", () => {
    expect(parseDynamicYaml("", "f.yml")).toEqual({ config: {}, diagnostics: [] });
    expect(parseDynamicYaml("# only a comment\n", "f.yml")).toEqual({ config: {}, diagnostics: [] });
  });

  test("tcp section does not reach the config", () => {
    const { config } = parseDynamicYaml("tcp:\n  routers: {a: {rule: 'HostSNI(`*`)', service: b}}\n", "f.yml");
    expect(config).toEqual({});
  });
});

describe("large files (fast path)", () => {
  const big = (extra = "") => {
    let s = "http:\n  routers:\n";
    for (let i = 0; i < 1500; i++) s += `    r${i}:\n      rule: "Host(\`h${i}.test\`)"\n      service: s\n`;
    return s + extra + "  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:1\n";
  };

  test("a clean large file decodes to the same config as the exact parse", () => {
    const text = big();
    expect(text.length).toBeGreaterThan(64 * 1024);
    const parsed = parseDynamicYaml(text, "big.yml");
    expect(parsed.diagnostics).toEqual([]);
    expect(Object.keys(parsed.config.http!.routers!).length).toBe(1500);
    expect(parsed.config.http!.routers!.r7).toEqual({ rule: "Host(`h7.test`)", service: "s" });
  });

  test("a problem in a large file is still reported with its line and column", () => {
    const text = big("    broken:\n      rule: [a, b]\n      service: s\n");
    const d = parseDynamicYaml(text, "big.yml").diagnostics.find((x) => x.path === "http.routers.broken.rule");
    expect(d).toBeDefined();
    expect(d!.line).toBe(2 + 1500 * 3 + 2); // header, routers, "broken:", then "rule:"
    expect(d!.column).toBe(13);
  });
});
