import { describe, expect, test } from "bun:test";
import { loadStaticConfig } from "./load.ts";

// Traefik's defaults and the entry points it creates implicitly.
describe("defaults", () => {
  test("nothing at all: `http` on :80 and Traefik's defaults", () => {
    const { config, diagnostics } = loadStaticConfig([], {});
    expect(diagnostics).toEqual([]);
    expect(Object.keys(config.entryPoints)).toEqual(["http"]);
    expect(config.entryPoints.http).toEqual({
      address: ":80",
      host: "",
      port: 80,
      forwardedHeaders: { trustedIPs: [], insecure: false },
      transport: {
        respondingTimeouts: { readTimeoutMs: 0, writeTimeoutMs: 0, idleTimeoutMs: 180_000 },
        lifeCycle: { requestAcceptGraceTimeoutMs: 0, graceTimeOutMs: 10_000 },
        keepAliveMaxRequests: 0,
        keepAliveMaxTimeMs: 0,
      },
      http: { middlewares: [] },
      http2: { maxConcurrentStreams: 250, maxDecoderHeaderTableSize: 4096, maxEncoderHeaderTableSize: 4096 },
    });
    expect(config.providers).toEqual({ providersThrottleDurationMs: 2000 });
    expect(config.log).toEqual({ level: "ERROR", format: "common" });
    expect(config.core.defaultRuleSyntax).toBe("v3");
    expect(config.certificatesResolvers).toEqual({});
    for (const k of ["api", "ping", "metrics", "accessLog"] as const) expect(config[k]).toBeUndefined();
  });

  test("only --api.insecure: both `http` on :80 and `traefik` on :8080", () => {
    const { config } = loadStaticConfig(["--api.insecure"], {});
    expect(Object.keys(config.entryPoints).sort()).toEqual(["http", "traefik"]);
  });

  const noInternal: [string, string[]][] = [
    ["api without insecure", ["--entrypoints.web.address=:80", "--api"]],
    ["ping with manualRouting", ["--entrypoints.web.address=:80", "--ping.manualrouting"]],
    ["metrics on another entry point", ["--entrypoints.web.address=:80", "--metrics.prometheus.entrypoint=web"]],
  ];
  test.each(noInternal)("no `traefik` entry point for %s", (_name, args) => {
    const { config, diagnostics } = loadStaticConfig(args, {});
    expect(diagnostics).toEqual([]);
    expect(Object.keys(config.entryPoints)).toEqual(["web"]);
  });

  test("a user-defined `traefik` entry point is kept", () => {
    const { config } = loadStaticConfig(["--entrypoints.traefik.address=:9000", "--ping"], {});
    expect(config.entryPoints.traefik.port).toBe(9000);
  });

  test("ACME and file provider defaults", () => {
    const { config, diagnostics } = loadStaticConfig(
      ["--entrypoints.web.address=:80", "--certificatesresolvers.le.acme.tlschallenge", "--providers.file.filename=d.yml"],
      {},
    );
    expect(diagnostics).toEqual([]);
    expect(config.certificatesResolvers.le.acme).toEqual({
      caServer: "https://acme-v02.api.letsencrypt.org/directory",
      storage: "acme.json",
      keyType: "RSA4096",
      certificatesDuration: 2160,
      tlsChallenge: {},
    });
    expect(config.providers.file?.watch).toBe(true);
  });
});
