// Shared by reload/lifecycle/binary tests: named echo backends, dynamic YAML
// for a set of path routes, and bounded polling of one URL.
import type { Server } from "bun";
import { waitFor } from "../harness/ports.ts";

export interface NamedBackend {
  server: Server<unknown>;
  url: string;
  /** Requests received so far. */
  hits(): number;
  stop(): Promise<void>;
}

/**
 * A backend that answers its own name. `/slow?ms=N` sleeps N ms first and
 * calls `onSlowStart` when such a request arrives, so a test knows the
 * request reached the backend before it signals the proxy.
 */
export function startNamedBackend(name: string, onSlowStart?: () => void): NamedBackend {
  let hits = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    development: false,
    async fetch(req) {
      hits++;
      const url = new URL(req.url);
      if (url.pathname.startsWith("/slow")) {
        onSlowStart?.();
        await Bun.sleep(Number(url.searchParams.get("ms") ?? 1000));
        return new Response(`${name} slow done`);
      }
      return new Response(name);
    },
  });
  return {
    server,
    url: `http://127.0.0.1:${server.port}`,
    hits: () => hits,
    stop: () => server.stop(true),
  };
}

export interface PathRoute {
  /** Router name; the service is named `svc-<router>`. */
  router: string;
  /** A PathPrefix matched on the `web` entrypoint. */
  prefix: string;
  backend: string;
  /** Name a service instead of the generated one (to point at a missing service). */
  service?: string;
}

/** Dynamic YAML: one router and one load-balancer service per route. */
export function routesYaml(routes: PathRoute[]): string {
  const routers = routes
    .map((r) => `    ${r.router}:\n      entryPoints: [web]\n      rule: "PathPrefix(\`${r.prefix}\`)"\n      service: ${r.service ?? `svc-${r.router}`}`)
    .join("\n");
  const services = routes
    .filter((r) => r.service === undefined)
    .map((r) => `    svc-${r.router}:\n      loadBalancer:\n        servers:\n          - url: "${r.backend}"`)
    .join("\n");
  return `http:\n  routers:\n${routers}\n${services ? `  services:\n${services}\n` : ""}`;
}

/** Status and body of one GET; status 0 when the request failed. */
export async function get(url: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(url);
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: "" };
  }
}

/** Polls `url` (bounded) until it answers `status` (and `body`, when given). */
export function pollUntil(url: string, status: number, body?: string, timeoutMs = 5000): Promise<boolean> {
  return waitFor(async () => {
    const r = await get(url);
    return r.status === status && (body === undefined || r.body === body);
  }, timeoutMs);
}
