// What one health check sends and how its answer is judged, resolved once from
// the `healthCheck` config (Traefik's pkg/healthcheck semantics): the target is
// the server URL with `path` resolved against it, then `scheme` and `port`
// replaced; `hostname` becomes the Host header; 2xx/3xx is healthy unless an
// exact `status` is configured.
import type { HealthCheckConfig } from "../../config/dynamic/types.ts";
import { parseDuration } from "../../config/static/duration.ts";

export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 5_000;

export interface ProbeSettings {
  intervalMs: number;
  timeoutMs: number;
  unhealthyIntervalMs: number;
  method: string;
  headers: Record<string, string>;
  hostname?: string;
  /** Exact status wanted; undefined = any 2xx or 3xx. */
  expectedStatus?: number;
  followRedirects: boolean;
  /** Problems found while resolving (a default was used instead). */
  warnings: string[];
}

/** Applies Traefik's defaults; bad or non-positive durations fall back to them. */
export function resolveProbeSettings(config: HealthCheckConfig): ProbeSettings {
  const warnings: string[] = [];
  const duration = (name: string, v: string | number | undefined, fallback: number): number => {
    if (v === undefined) return fallback;
    let ms: number;
    try {
      ms = parseDuration(v);
    } catch (err) {
      warnings.push(`healthCheck.${name}: ${(err as Error).message}; using the default`);
      return fallback;
    }
    if (ms <= 0) {
      warnings.push(`healthCheck.${name} must be above zero; using the default`);
      return fallback;
    }
    return ms;
  };
  const intervalMs = duration("interval", config.interval, DEFAULT_INTERVAL_MS);
  // healthCheck.mode grpc asks the gRPC health protocol; a plain HTTP request is what we can make.
  if (config.mode && config.mode.toLowerCase() !== "http") warnings.push(`healthCheck.mode ${JSON.stringify(config.mode)} is not supported; checking with HTTP`);
  return {
    intervalMs,
    // Traefik v3: how often servers found down are checked; the interval unless set.
    unhealthyIntervalMs: duration("unhealthyInterval", config.unhealthyInterval, intervalMs),
    timeoutMs: duration("timeout", config.timeout, DEFAULT_TIMEOUT_MS),
    method: config.method || "GET",
    headers: { ...config.headers },
    hostname: config.hostname || undefined,
    expectedStatus: config.status ? config.status : undefined,
    followRedirects: config.followRedirects ?? true,
    warnings,
  };
}

/** The URL a health check of `server` requests. Throws on an unusable result. */
export function probeTarget(server: URL, config: HealthCheckConfig): URL {
  // Like Go's url.Parse on the server URL: "/health" replaces the server's
  // path, "health" is relative to it, "" keeps it.
  const resolved = new URL(config.path ?? "", server);
  // h2c probes go over HTTP/2 with prior knowledge (health-checker.ts): a gRPC server may speak nothing else.
  const scheme = !config.scheme ? resolved.protocol.slice(0, -1) : config.scheme;
  const host = config.port ? `${resolved.hostname}:${config.port}` : resolved.host;
  // Rebuilt rather than mutated: WHATWG URLs refuse some protocol changes.
  return new URL(`${scheme}://${host}${resolved.pathname}${resolved.search}`);
}

/** Headers of one check: configured ones, then Host from `hostname`. */
export function probeHeaders(settings: ProbeSettings): Headers {
  const headers = new Headers(settings.headers);
  if (settings.hostname) headers.set("host", settings.hostname);
  return headers;
}

/** Undefined when healthy, else why not. */
export function judgeStatus(status: number, expected: number | undefined): string | undefined {
  if (expected !== undefined) {
    return status === expected ? undefined : `status ${status}, expected ${expected}`;
  }
  return status >= 200 && status < 400 ? undefined : `status ${status}`;
}
