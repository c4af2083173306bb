import { describe, expect, test } from "bun:test";
import type { HealthCheckConfig } from "../../config/dynamic/types.ts";
import { DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS, judgeStatus, probeHeaders, probeTarget, resolveProbeSettings } from "./probe.ts";

describe("probeTarget", () => {
  const table: [string, HealthCheckConfig, string][] = [
    ["http://10.0.0.1:8080", { path: "/health" }, "http://10.0.0.1:8080/health"],
    ["http://10.0.0.1:8080/api", { path: "/health" }, "http://10.0.0.1:8080/health"],
    ["http://10.0.0.1:8080/api/", { path: "health" }, "http://10.0.0.1:8080/api/health"],
    ["http://10.0.0.1:8080/api", {}, "http://10.0.0.1:8080/api"],
    ["http://10.0.0.1:8080", { path: "/health?full=1&x=y" }, "http://10.0.0.1:8080/health?full=1&x=y"],
    ["http://10.0.0.1:8080", { path: "/h", scheme: "https" }, "https://10.0.0.1:8080/h"],
    ["http://10.0.0.1", { path: "/h", scheme: "https" }, "https://10.0.0.1/h"],
    ["http://10.0.0.1:8080", { path: "/h", port: 9090 }, "http://10.0.0.1:9090/h"],
    ["http://backend.local", { path: "/h", port: 8081, scheme: "https" }, "https://backend.local:8081/h"],
    ["http://[::1]:8080", { path: "/h", port: 9000 }, "http://[::1]:9000/h"],
    ["h2c://10.0.0.1:8080", { path: "/h" }, "h2c://10.0.0.1:8080/h"],
    ["http://10.0.0.1:8080", { path: "/h", scheme: "h2c" }, "h2c://10.0.0.1:8080/h"],
    ["http://10.0.0.1:8080", { path: "/h", hostname: "other.test" }, "http://10.0.0.1:8080/h"],
  ];
  for (const [server, config, expected] of table) {
    test(`${server} + ${JSON.stringify(config)} → ${expected}`, () => {
      expect(probeTarget(new URL(server), config).href).toBe(expected);
    });
  }
});

describe("resolveProbeSettings", () => {
  const table: [string, HealthCheckConfig, Partial<ReturnType<typeof resolveProbeSettings>>, number][] = [
    ["defaults", {}, { intervalMs: DEFAULT_INTERVAL_MS, timeoutMs: DEFAULT_TIMEOUT_MS, method: "GET", followRedirects: true, expectedStatus: undefined }, 0],
    ["go durations", { interval: "10s", timeout: "500ms" }, { intervalMs: 10_000, timeoutMs: 500 }, 0],
    ["numbers are seconds", { interval: 2, timeout: 0.25 }, { intervalMs: 2000, timeoutMs: 250 }, 0],
    ["zero falls back to default", { interval: 0, timeout: "0s" }, { intervalMs: DEFAULT_INTERVAL_MS, timeoutMs: DEFAULT_TIMEOUT_MS }, 2],
    ["garbage falls back to default", { interval: "soon" }, { intervalMs: DEFAULT_INTERVAL_MS }, 1],
    ["method, status, redirects", { method: "HEAD", status: 204, followRedirects: false }, { method: "HEAD", expectedStatus: 204, followRedirects: false }, 0],
    ["status 0 means any 2xx/3xx", { status: 0 }, { expectedStatus: undefined }, 0],
    ["unhealthyInterval defaults to interval", { interval: "3s" }, { intervalMs: 3000, unhealthyIntervalMs: 3000 }, 0],
    ["unhealthyInterval of its own", { interval: "3s", unhealthyInterval: "500ms" }, { intervalMs: 3000, unhealthyIntervalMs: 500 }, 0],
    ["mode grpc is checked with HTTP, with a warning", { mode: "grpc" }, {}, 1],
    ["mode http", { mode: "http" }, {}, 0],
  ];
  for (const [name, config, expected, warnings] of table) {
    test(name, () => {
      const s = resolveProbeSettings(config);
      expect(s).toMatchObject(expected);
      expect(s.warnings.length).toBe(warnings);
    });
  }
});

describe("probeHeaders", () => {
  test("configured headers are sent and hostname sets Host", () => {
    const h = probeHeaders(resolveProbeSettings({ headers: { "X-Check": "1", Host: "ignored.test" }, hostname: "health.test" }));
    expect(h.get("x-check")).toBe("1");
    expect(h.get("host")).toBe("health.test");
  });
  test("no hostname: no Host header is added", () => {
    expect(probeHeaders(resolveProbeSettings({})).has("host")).toBe(false);
  });
});

describe("judgeStatus", () => {
  const table: [number, number | undefined, boolean][] = [
    [200, undefined, true],
    [204, undefined, true],
    [302, undefined, true],
    [399, undefined, true],
    [199, undefined, false],
    [400, undefined, false],
    [500, undefined, false],
    [204, 204, true],
    [200, 204, false],
    [500, 500, true],
  ];
  for (const [status, expected, healthy] of table) {
    test(`${status} with expected ${expected ?? "2xx/3xx"} → ${healthy ? "healthy" : "unhealthy"}`, () => {
      expect(judgeStatus(status, expected) === undefined).toBe(healthy);
    });
  }
});
