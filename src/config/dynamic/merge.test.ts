import { describe, expect, test } from "bun:test";
import { mergeFiles, mergeProviders } from "./merge.ts";
import type { DynamicConfig } from "./types.ts";

const fileConfig: DynamicConfig = {
  http: {
    routers: {
      api: { rule: "Host(`a`)", service: "api", middlewares: ["auth", "rl@kubernetescrd"], tls: { options: "modern" } },
      web: { rule: "Host(`b`)", service: "api@internal", tls: { options: "default" } },
    },
    services: {
      api: { loadBalancer: { servers: [{ url: "http://a" }], serversTransport: "insecure" } },
      canary: { weighted: { services: [{ name: "api", weight: 9 }, { name: "v2@kubernetescrd", weight: 1 }] } },
      shadow: { mirroring: { service: "api", mirrors: [{ name: "canary", percent: 10 }] } },
      fo: { failover: { service: "api", fallback: "canary" } },
    },
    middlewares: {
      auth: { basicAuth: { users: ["u:p"] } },
      both: { chain: { middlewares: ["auth", "x@docker"] } },
      oops: { errors: { status: ["500-599"], service: "api", query: "/{status}.html" } },
    },
    serversTransports: { insecure: { insecureSkipVerify: true } },
  },
};

describe("mergeProviders", () => {
  test("qualifies definitions and unqualified references with the provider", () => {
    const { config, diagnostics } = mergeProviders(new Map([["file", fileConfig]]));
    expect(diagnostics).toEqual([]);
    const http = config.http!;
    expect(Object.keys(http.routers!)).toEqual(["api@file", "web@file"]);
    expect(http.routers!["api@file"]).toEqual({
      rule: "Host(`a`)",
      service: "api@file",
      middlewares: ["auth@file", "rl@kubernetescrd"],
      tls: { options: "modern@file" },
    });
    expect(http.routers!["web@file"].service).toBe("api@internal");
    expect(http.routers!["web@file"].tls).toEqual({ options: "default" });
    expect(http.services!["api@file"].loadBalancer!.serversTransport).toBe("insecure@file");
    expect(http.services!["canary@file"].weighted!.services.map((s) => s.name)).toEqual(["api@file", "v2@kubernetescrd"]);
    expect(http.services!["shadow@file"].mirroring).toEqual({ service: "api@file", mirrors: [{ name: "canary@file", percent: 10 }] });
    expect(http.services!["fo@file"].failover).toEqual({ service: "api@file", fallback: "canary@file" });
    expect(http.middlewares!["both@file"]).toEqual({ chain: { middlewares: ["auth@file", "x@docker"] } });
    expect(http.middlewares!["oops@file"]).toEqual({ errors: { status: ["500-599"], service: "api@file", query: "/{status}.html" } });
    expect(http.serversTransports).toEqual({ "insecure@file": { insecureSkipVerify: true } });
  });

  test("does not change its input", () => {
    const before = JSON.stringify(fileConfig);
    mergeProviders(new Map([["file", fileConfig]]));
    expect(JSON.stringify(fileConfig)).toBe(before);
  });

  test("the same name from two providers gives two elements", () => {
    const a: DynamicConfig = { http: { routers: { r: { rule: "x", service: "s" } } } };
    const { config } = mergeProviders(new Map([["file", a], ["kubernetescrd", a]]));
    expect(config.http!.routers).toEqual({
      "r@file": { rule: "x", service: "s@file" },
      "r@kubernetescrd": { rule: "x", service: "s@kubernetescrd" },
    });
  });

  test("a definition named with @ is an error and is dropped", () => {
    const a: DynamicConfig = { http: { routers: { "r@x": { rule: "x", service: "s" }, ok: { rule: "y", service: "s" } } } };
    const { config, diagnostics } = mergeProviders(new Map([["file", a]]));
    expect(Object.keys(config.http!.routers!)).toEqual(["ok@file"]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: "error", path: "http.routers.r@x" });
  });

  test("tls: certificates concatenated, options qualified except default", () => {
    const a: DynamicConfig = { tls: { certificates: [{ certFile: "/a", keyFile: "/ak" }], options: { default: { sniStrict: true }, modern: {} } } };
    const b: DynamicConfig = { tls: { certificates: [{ certFile: "/b", keyFile: "/bk" }], stores: { default: {} } } };
    const { config, diagnostics } = mergeProviders(new Map([["file", a], ["acme", b]]));
    expect(diagnostics).toEqual([]);
    expect(config.tls).toEqual({
      certificates: [
        { certFile: "/a", keyFile: "/ak" },
        { certFile: "/b", keyFile: "/bk" },
      ],
      options: { default: { sniStrict: true }, "modern@file": {} },
      stores: { default: {} },
    });
  });

  test("two different default TLS options: error, and neither is used", () => {
    const a: DynamicConfig = { tls: { options: { default: { minVersion: "VersionTLS12" } } } };
    const b: DynamicConfig = { tls: { options: { default: { minVersion: "VersionTLS13" } } } };
    const { config, diagnostics } = mergeProviders(new Map([["file", a], ["kubernetescrd", b]]));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: "error", path: "tls.options.default" });
    expect(diagnostics[0].message).toContain("file, kubernetescrd");
    expect(config.tls).toBeUndefined();
  });

  test("the same default TLS option from two providers is no conflict", () => {
    const a: DynamicConfig = { tls: { options: { default: { minVersion: "VersionTLS12" } } } };
    const { config, diagnostics } = mergeProviders(new Map([["file", a], ["kubernetescrd", a]]));
    expect(diagnostics).toEqual([]);
    expect(config.tls?.options).toEqual({ default: { minVersion: "VersionTLS12" } });
  });

  test("no providers gives an empty config", () => {
    expect(mergeProviders(new Map())).toEqual({ config: {}, diagnostics: [] });
  });
});

describe("mergeFiles", () => {
  test("combines parts from several files", () => {
    const { config, diagnostics } = mergeFiles([
      { file: "a.yml", config: { http: { routers: { r: { rule: "x", service: "s" } } } } },
      { file: "b.yml", config: { http: { services: { s: { loadBalancer: { servers: [] } } } }, tls: { certificates: [{ certFile: "c", keyFile: "k" }] } } },
    ]);
    expect(diagnostics).toEqual([]);
    expect(config).toEqual({
      http: { routers: { r: { rule: "x", service: "s" } }, services: { s: { loadBalancer: { servers: [] } } } },
      tls: { certificates: [{ certFile: "c", keyFile: "k" }] },
    });
  });

  const cases: { kind: string; make: (v: number) => DynamicConfig; path: string }[] = [
    { kind: "router", make: (v) => ({ http: { routers: { x: { rule: `r${v}`, service: "s" } } } }), path: "http.routers.x" },
    { kind: "service", make: (v) => ({ http: { services: { x: { loadBalancer: { servers: [{ url: `http://${v}` }] } } } } }), path: "http.services.x" },
    { kind: "middleware", make: (v) => ({ http: { middlewares: { x: { addPrefix: { prefix: `/${v}` } } } } }), path: "http.middlewares.x" },
    { kind: "servers transport", make: (v) => ({ http: { serversTransports: { x: { serverName: `${v}` } } } }), path: "http.serversTransports.x" },
    { kind: "TLS option", make: (v) => ({ tls: { options: { x: { minVersion: `${v}` } } } }), path: "tls.options.x" },
  ];
  for (const c of cases) {
    test(`a ${c.kind} defined in two files is an error naming both; the first is kept`, () => {
      const { config, diagnostics } = mergeFiles([
        { file: "/d/a.yml", config: c.make(1) },
        { file: "/d/b.yml", config: c.make(2) },
      ]);
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({ severity: "error", file: "/d/b.yml", path: c.path });
      expect(diagnostics[0].message).toContain("/d/a.yml");
      expect(diagnostics[0].message).toContain("/d/b.yml");
      expect(config).toEqual(c.make(1));
    });
  }

  test("identical certificates in two files are kept once", () => {
    const cert = { certFile: "c", keyFile: "k" };
    const { config } = mergeFiles([
      { file: "a", config: { tls: { certificates: [cert] } } },
      { file: "b", config: { tls: { certificates: [cert, { certFile: "d", keyFile: "e" }] } } },
    ]);
    expect(config.tls?.certificates).toEqual([cert, { certFile: "d", keyFile: "e" }]);
  });
});
