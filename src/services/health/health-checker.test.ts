// Health checks against real Bun.serve backends on 127.0.0.1 (port 0). Every
// wait is a bounded poll; every backend and checker is stopped afterwards.
import { afterEach, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import type { HealthCheckConfig } from "../../config/dynamic/types.ts";
import { ServerState } from "../balancer/server-state.ts";
import { HealthChecker } from "./health-checker.ts";

interface Recorded {
  method: string;
  pathAndQuery: string;
  headers: Headers;
}

interface Backend {
  url: string;
  port: number;
  requests: Recorded[];
  /** Requests whose client went away before the answer. */
  aborted: number;
  status: number;
  delayMs: number;
  stop(): void;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A backend answering `status` after `delayMs`; /redirect sends 302 to /target. */
function startBackend(status = 200): Backend {
  const b: Backend = { url: "", port: 0, requests: [], aborted: 0, status, delayMs: 0, stop: () => {} };
  const server: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    development: false,
    async fetch(req) {
      const u = new URL(req.url);
      b.requests.push({ method: req.method, pathAndQuery: u.pathname + u.search, headers: req.headers });
      if (b.delayMs > 0) {
        const gone = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), b.delayMs);
          req.signal.addEventListener("abort", () => {
            clearTimeout(t);
            resolve(true);
          });
        });
        if (gone) {
          b.aborted++;
          return new Response(null, { status: 499 });
        }
      }
      if (u.pathname === "/redirect") return new Response(null, { status: 302, headers: { location: "/target" } });
      return new Response("body", { status: b.status });
    },
  });
  b.port = server.port!;
  b.url = `http://127.0.0.1:${b.port}`;
  b.stop = () => server.stop(true);
  cleanups.push(b.stop);
  return b;
}

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await Bun.sleep(10);
  }
}

function startChecker(urls: string[], config: HealthCheckConfig) {
  const servers = urls.map((u) => new ServerState(new URL(u)));
  const changes: [number, boolean][] = [];
  const logs: string[] = [];
  const checker = new HealthChecker({
    serviceName: "svc@test",
    servers,
    config,
    onChange: (s, healthy) => changes.push([servers.indexOf(s), healthy]),
    log: (m) => logs.push(m),
  });
  checker.start();
  cleanups.push(() => checker.stop());
  return { servers, changes, logs, checker };
}

describe("HealthChecker", () => {
  test("a server going 200 → 500 → 200 is taken out and brought back, onChange on transitions only", async () => {
    const b = startBackend(200);
    const { servers, changes, logs } = startChecker([b.url], { path: "/health", interval: "50ms", timeout: "1s" });
    await waitFor(() => b.requests.length >= 2);
    expect(servers[0].healthy).toBe(true);
    expect(changes).toEqual([]);

    b.status = 500;
    await waitFor(() => !servers[0].healthy);
    const downAt = b.requests.length;
    await waitFor(() => b.requests.length >= downAt + 3); // keeps probing while down
    expect(changes).toEqual([[0, false]]);

    b.status = 200;
    await waitFor(() => servers[0].healthy);
    expect(changes).toEqual([[0, false], [0, true]]);
    expect(logs.some((l) => l.includes("is down: status 500") && l.includes("svc@test"))).toBe(true);
    expect(logs.some((l) => l.includes("is back up"))).toBe(true);
  });

  test("unhealthyInterval: a server found down is checked at its own pace, a healthy one at interval", async () => {
    const b = startBackend(500);
    const { servers } = startChecker([b.url], { interval: "1h", unhealthyInterval: "30ms", timeout: "1s" });
    await waitFor(() => b.requests.length >= 3);
    expect(servers[0].healthy).toBe(false);
    b.status = 200;
    await waitFor(() => servers[0].healthy);
    const upAt = b.requests.length;
    await Bun.sleep(150);
    // Back up: the next check is an hour away.
    expect(b.requests.length).toBe(upAt);
  });

  test("checks immediately at start, not only after the first interval", async () => {
    const b = startBackend(503);
    const { servers } = startChecker([b.url], { interval: "1h" });
    await waitFor(() => !servers[0].healthy, 2000);
    expect(b.requests.length).toBe(1);
  });

  test("no answer within the timeout marks the server down", async () => {
    const b = startBackend(200);
    b.delayMs = 3000;
    const { servers, logs } = startChecker([b.url], { interval: "1h", timeout: "100ms" });
    const t0 = Date.now();
    await waitFor(() => !servers[0].healthy, 2000);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(logs.some((l) => l.includes("no answer within 100 ms"))).toBe(true);
  });

  test("a refused connection marks the server down", async () => {
    const gone = startBackend(200);
    gone.stop();
    const { servers } = startChecker([gone.url], { interval: "1h", timeout: "2s" });
    await waitFor(() => !servers[0].healthy, 3000);
  });

  test("path, query, method, headers, hostname, port and status are used", async () => {
    const main = startBackend(200);
    const probe = startBackend(204);
    const { servers, changes } = startChecker([main.url + "/prefix"], {
      path: "/healthz?deep=1",
      method: "POST",
      headers: { "X-Probe": "yes" },
      hostname: "health.example",
      port: probe.port,
      status: 204,
      interval: "1h",
    });
    await waitFor(() => probe.requests.length >= 1);
    await Bun.sleep(50);
    const r = probe.requests[0];
    expect(r.method).toBe("POST");
    expect(r.pathAndQuery).toBe("/healthz?deep=1");
    expect(r.headers.get("host")).toBe("health.example");
    expect(r.headers.get("x-probe")).toBe("yes");
    expect(main.requests.length).toBe(0);
    expect(servers[0].healthy).toBe(true);
    expect(changes).toEqual([]);
  });

  test("an expected status that does not match marks down even on 2xx", async () => {
    const b = startBackend(204);
    const { servers, logs } = startChecker([b.url], { status: 200, interval: "1h" });
    await waitFor(() => !servers[0].healthy);
    expect(logs.some((l) => l.includes("status 204, expected 200"))).toBe(true);
  });

  test("without status, 3xx is healthy when redirects are not followed", async () => {
    const b = startBackend(500);
    const { servers } = startChecker([b.url], { path: "/redirect", followRedirects: false, interval: "1h" });
    await waitFor(() => b.requests.length >= 1);
    await Bun.sleep(100);
    expect(b.requests.map((r) => r.pathAndQuery)).toEqual(["/redirect"]);
    expect(servers[0].healthy).toBe(true);
  });

  test("redirects are followed by default and the final status decides", async () => {
    const b = startBackend(500);
    const { servers } = startChecker([b.url], { path: "/redirect", interval: "1h" });
    await waitFor(() => !servers[0].healthy);
    expect(b.requests.map((r) => r.pathAndQuery)).toEqual(["/redirect", "/target"]);
  });

  test("servers are judged independently", async () => {
    const good = startBackend(200);
    const bad = startBackend(500);
    const { servers, changes } = startChecker([good.url, bad.url], { interval: "50ms" });
    await waitFor(() => !servers[1].healthy);
    await waitFor(() => good.requests.length >= 3);
    expect(servers[0].healthy).toBe(true);
    expect(changes).toEqual([[1, false]]);
  });

  test("stop() ends the probing: no request after it", async () => {
    const b = startBackend(200);
    const { checker } = startChecker([b.url], { interval: "30ms" });
    await waitFor(() => b.requests.length >= 3);
    checker.stop();
    await Bun.sleep(20); // a probe already on the wire may still land
    const n = b.requests.length;
    await Bun.sleep(300);
    expect(b.requests.length).toBe(n);
  });

  test("stop() aborts a probe in flight and reports nothing", async () => {
    const b = startBackend(500);
    b.delayMs = 3000;
    const { checker, servers, changes } = startChecker([b.url], { interval: "1h", timeout: "10s" });
    await waitFor(() => b.requests.length === 1);
    checker.stop();
    await waitFor(() => b.aborted === 1, 2000);
    await Bun.sleep(50);
    expect(servers[0].healthy).toBe(true);
    expect(changes).toEqual([]);
  });

  test("start() twice does not double the probing", async () => {
    const b = startBackend(200);
    const { checker } = startChecker([b.url], { interval: "100ms" });
    checker.start();
    await Bun.sleep(330);
    // One loop probes at ~0, 100, 200, 300 ms; two loops would make ~8.
    expect(b.requests.length).toBeGreaterThanOrEqual(2);
    expect(b.requests.length).toBeLessThanOrEqual(5);
  });

  test("a probe URL that cannot be built marks the server down", async () => {
    const { servers, logs } = startChecker(["http://127.0.0.1:1"], { port: 99999, interval: "1h" });
    await waitFor(() => !servers[0].healthy, 2000);
    expect(logs.some((l) => l.includes("cannot build the health check URL"))).toBe(true);
  });
});
