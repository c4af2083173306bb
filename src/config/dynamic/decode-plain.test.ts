import { describe, expect, test } from "bun:test";
import { decodePlain } from "./decode-plain.ts";
import { parseDynamicYaml } from "./parse.ts";
import { DYNAMIC_SCHEMA } from "./schema.ts";

// A trailing comment this long sends a file down the fast path (Bun.YAML + decodePlain).
const PAD = `\n# ${"x".repeat(70_000)}\n`;

/** Valid configs: the fast path must give exactly what the exact parse gives. */
const valid: Record<string, string> = {
  router: "http:\n  routers:\n    api:\n      rule: Host(`a`)\n      service: s\n      priority: 5\n      entryPoints: [web, websecure]\n",
  "case-insensitive keys": "http:\n  Routers:\n    api: {RULE: Host(`a`), Service: s, ENTRYPOINTS: web}\n",
  "comma list and string int": "http:\n  routers:\n    a: {rule: x, service: s, entryPoints: 'web, websecure', priority: '12'}\n",
  "bare tls and bool strings": "http:\n  routers:\n    a: {rule: x, service: s, tls: true}\n    b: {rule: y, service: s, tls: {options: o}}\n  services:\n    s:\n      loadBalancer:\n        passHostHeader: 'false'\n        servers: [{url: 'http://a:1', weight: 2}]\n        healthCheck: {path: /h, interval: 10s, timeout: 3}\n",
  "raw middleware options": "http:\n  middlewares:\n    m:\n      headers:\n        customRequestHeaders: {X-A: '1', X-B: ''}\n        accessControlAllowMethods: [GET, PUT]\n",
  "anchors and merge keys": "http:\n  services:\n    r:\n      loadBalancer: &lb\n        servers: [{url: 'http://a:1'}]\n    s:\n      loadBalancer:\n        <<: *lb\n        passHostHeader: false\n    t: {loadBalancer: *lb}\n",
  "weighted and tls section": "http:\n  services:\n    w: {weighted: {services: [{name: a, weight: 3}, {name: b}]}}\ntls:\n  options:\n    default: {minVersion: VersionTLS12}\n",
  "empty sections": "http:\n  routers: {}\n  services:\n",
  "numeric names": "http:\n  routers:\n    2: {rule: x, service: s}\n    1: {rule: y, service: s}\n",
};

/** Configs with something to report: the fast path must step aside. */
const reported: Record<string, string> = {
  "unknown key": "http:\n  routers:\n    a: {rule: x, service: s, bogus: 1}\n",
  "wrong type": "http:\n  routers:\n    a: {rule: [x], service: s}\n",
  "missing required": "http:\n  routers:\n    a: {service: s}\n",
  "empty required": "http:\n  routers:\n    a: {rule: x, service: }\n",
  "two service kinds": "http:\n  services:\n    s: {loadBalancer: {servers: []}, weighted: {services: []}}\n",
  "key twice in two spellings": "http:\n  routers:\n    a: {rule: x, RULE: y, service: s}\n",
  "unsupported section": "tcp:\n  routers: {a: {rule: 'HostSNI(`*`)', service: b}}\n",
  "bad duration": "http:\n  services:\n    s: {loadBalancer: {servers: [{url: 'http://a'}], healthCheck: {interval: soon}}}\n",
};

describe("decodePlain agrees with the exact parse", () => {
  for (const [name, yaml] of Object.entries(valid)) {
    test(`valid: ${name}`, () => {
      const exact = parseDynamicYaml(yaml, "f.yml");
      expect(exact.diagnostics).toEqual([]);
      expect(decodePlain(Bun.YAML.parse(yaml), DYNAMIC_SCHEMA)).not.toBeNull();
      expect(parseDynamicYaml(yaml + PAD, "f.yml")).toEqual(exact);
    });
  }
  for (const [name, yaml] of Object.entries(reported)) {
    test(`gives up: ${name}`, () => {
      const exact = parseDynamicYaml(yaml, "f.yml");
      expect(exact.diagnostics.length).toBeGreaterThan(0);
      expect(decodePlain(Bun.YAML.parse(yaml), DYNAMIC_SCHEMA)).toBeNull();
      // The padded file still gets the exact parse's located diagnostics.
      expect(parseDynamicYaml(yaml + PAD, "f.yml")).toEqual(exact);
    });
  }
});

test("repeated string values come out as one string", () => {
  const yaml = "http:\n  routers:\n    a: {rule: x, service: s, entryPoints: [web]}\n    b: {rule: y, service: s, entryPoints: [web]}\n";
  const out = decodePlain(Bun.YAML.parse(yaml), DYNAMIC_SCHEMA)!.value as { http: { routers: Record<string, { entryPoints: string[] }> } };
  expect(out.http.routers.a.entryPoints).toEqual(["web"]);
  expect(out.http.routers.b.entryPoints[0]).toBe(out.http.routers.a.entryPoints[0]);
});
