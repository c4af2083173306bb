import { describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { routesConfig, sluiceCommand, staticConfig, tlsRoutesConfig } from "./sluice.ts";

interface Dynamic {
  http: {
    routers: Record<string, { rule: string; service: string; entryPoints: string[] }>;
    services: Record<string, { loadBalancer: { servers: { url: string }[] } }>;
  };
}

describe("sluice bench configs", () => {
  test("static config: entrypoint, file provider, log level", () => {
    const s = parse(staticConfig(8123, "/tmp/x y/dynamic"));
    expect(s.entryPoints.web.address).toBe("127.0.0.1:8123");
    expect(s.providers.file).toEqual({ directory: "/tmp/x y/dynamic", watch: false });
    expect(s.log.level).toBe("ERROR");
  });

  test("static config for the TLS cases: a websecure entrypoint", () => {
    const s = parse(staticConfig(8443, "/d", "websecure"));
    expect(Object.keys(s.entryPoints)).toEqual(["websecure"]);
    expect(s.entryPoints.websecure.address).toBe("127.0.0.1:8443");
  });

  test("TLS routes: a catch-all TLS router, the certificate for SNI, TLS 1.2 to 1.3", () => {
    const d = parse(tlsRoutesConfig("http://127.0.0.1:9", { certFile: "/c/leaf.pem", keyFile: "/c/leaf key" }));
    expect(d.http.routers).toEqual({ bench: { rule: "PathPrefix(`/`)", entryPoints: ["websecure"], service: "bench", tls: {} } });
    expect(d.http.services.bench.loadBalancer.servers).toEqual([{ url: "http://127.0.0.1:9" }]);
    expect(d.tls.certificates).toEqual([{ certFile: "/c/leaf.pem", keyFile: "/c/leaf key" }]);
    expect(d.tls.options.default).toEqual({ minVersion: "VersionTLS12", maxVersion: "VersionTLS13" });
  });

  test("one catch-all router", () => {
    const d = parse(routesConfig("http://127.0.0.1:9", { hostRule: false, extraRouters: 0 })) as Dynamic;
    expect(Object.keys(d.http.routers)).toEqual(["bench"]);
    expect(d.http.routers.bench.rule).toBe("PathPrefix(`/`)");
    expect(d.http.services.bench.loadBalancer.servers).toEqual([{ url: "http://127.0.0.1:9" }]);
  });

  test.each([0, 3, 300])("bench host router plus %p others, each with its own service", (extra) => {
    const d = parse(routesConfig("http://127.0.0.1:9", { hostRule: true, extraRouters: extra })) as Dynamic;
    const routers = Object.entries(d.http.routers);
    expect(routers).toHaveLength(extra + 1);
    expect(Object.keys(d.http.services)).toHaveLength(extra + 1);
    expect(d.http.routers.bench.rule).toBe("Host(`bench.test`) && PathPrefix(`/`)");
    if (extra > 0) {
      expect(d.http.routers[`r${extra}`]).toEqual({ rule: `Host(\`h${extra}.bench.test\`) && PathPrefix(\`/\`)`, entryPoints: ["web"], service: `s${extra}` });
    }
    for (const [, router] of routers) expect(d.http.services[router.service]).toBeDefined();
  });
});

test("10,000 routers in all (counted on the text: the yaml package needs seconds to parse it)", () => {
  const text = routesConfig("http://127.0.0.1:9", { hostRule: true, extraRouters: 9_999 });
  expect(text.match(/^ {6}rule: /gm)).toHaveLength(10_000);
  expect(text.match(/^ {6}loadBalancer:/gm)).toHaveLength(10_000);
  expect(text).toContain('    r9999:\n      rule: "Host(`h9999.bench.test`) && PathPrefix(`/`)"');
});

describe("sluice command line", () => {
  test.each([
    [undefined, [process.execPath, "/repo/src/main.ts", "--configFile=/t/static.yml"]],
    ["dist/sluice", ["/repo/dist/sluice", "--configFile=/t/static.yml"]],
    ["/opt/other.ts", [process.execPath, "/opt/other.ts", "--configFile=/t/static.yml"]],
  ])("entry %p", (entry, want) => {
    expect(sluiceCommand({ root: "/repo", dir: "/t", entry }, "/t/static.yml")).toEqual(want);
  });
});
