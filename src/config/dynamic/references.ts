// Every place a dynamic config names another element: routers name services,
// middlewares and TLS options; services name services and transports;
// chain and errors middlewares name middlewares and services. Merge uses this
// to qualify names (`api` -> `api@file`).
import type { MiddlewareConfig, RouterConfig, ServiceConfig } from "./types.ts";

export type ReferenceKind = "service" | "middleware" | "serversTransport" | "tlsOption";
export type Rewrite = (name: string, kind: ReferenceKind) => string;

export function rewriteRouter(r: RouterConfig, fn: Rewrite): RouterConfig {
  const out: RouterConfig = { ...r, service: fn(r.service, "service") };
  if (r.middlewares) out.middlewares = r.middlewares.map((m) => fn(m, "middleware"));
  if (r.tls?.options !== undefined) out.tls = { ...r.tls, options: fn(r.tls.options, "tlsOption") };
  return out;
}

export function rewriteService(s: ServiceConfig, fn: Rewrite): ServiceConfig {
  const out: ServiceConfig = { ...s };
  if (s.loadBalancer?.serversTransport !== undefined) {
    out.loadBalancer = { ...s.loadBalancer, serversTransport: fn(s.loadBalancer.serversTransport, "serversTransport") };
  }
  if (s.weighted) {
    out.weighted = { ...s.weighted, services: s.weighted.services.map((w) => ({ ...w, name: fn(w.name, "service") })) };
  }
  if (s.mirroring) {
    out.mirroring = { ...s.mirroring, service: fn(s.mirroring.service, "service") };
    if (s.mirroring.mirrors) out.mirroring.mirrors = s.mirroring.mirrors.map((m) => ({ ...m, name: fn(m.name, "service") }));
  }
  if (s.failover) {
    out.failover = { ...s.failover, service: fn(s.failover.service, "service"), fallback: fn(s.failover.fallback, "service") };
  }
  return out;
}

export function rewriteMiddleware(m: MiddlewareConfig, fn: Rewrite): MiddlewareConfig {
  const out: MiddlewareConfig = { ...m };
  const chain = asObject(m.chain);
  if (chain && Array.isArray(chain.middlewares)) {
    out.chain = { ...chain, middlewares: chain.middlewares.map((n) => (typeof n === "string" ? fn(n, "middleware") : n)) };
  }
  const errors = asObject(m.errors);
  if (errors && typeof errors.service === "string") out.errors = { ...errors, service: fn(errors.service, "service") };
  return out;
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
