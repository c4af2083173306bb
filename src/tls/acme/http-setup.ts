// acme-client talks through one shared axios instance. Sluice sets it up once:
// no hidden retries (the manager owns backoff and honours Retry-After itself),
// a request timeout, the private CAs of LEGO_CA_CERTIFICATES, and a record of
// Retry-After answers so the manager can wait as long as the CA asked.
import { readFileSync } from "node:fs";
import { Agent } from "node:https";
import { delimiter } from "node:path";
import * as acme from "acme-client";

const retryAfterByOrigin = new Map<string, { ms: number; at: number }>();
let installed = false;

/** Parses Retry-After (seconds or an HTTP date) into ms; undefined when absent or invalid. */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

interface AcmeAxiosDefaults {
  acmeSettings?: { retryMaxAttempts: number; retryDefaultDelay: number };
  timeout?: number;
  httpsAgent?: unknown;
}

function installOnce(): void {
  if (installed) return;
  installed = true;
  const defaults = acme.axios.defaults as unknown as AcmeAxiosDefaults;
  if (defaults.acmeSettings) defaults.acmeSettings.retryMaxAttempts = 0;
  defaults.timeout = 30_000;
  acme.axios.interceptors.response.use((resp) => {
    if (resp.status === 429 || resp.status === 503) {
      const ms = parseRetryAfter(resp.headers?.["retry-after"] as string | undefined);
      const url = resp.config?.url;
      if (ms !== undefined && url) {
        try {
          retryAfterByOrigin.set(new URL(url).origin, { ms, at: Date.now() });
        } catch {
          // not a URL: nothing to remember
        }
      }
    }
    return resp;
  });
}

/** Reads the PEM files named in LEGO_CA_CERTIFICATES (comma or OS path separator). */
export function readCaCertificates(value: string | undefined): { pems: string[]; problems: string[] } {
  const pems: string[] = [];
  const problems: string[] = [];
  for (const p of (value ?? "").split(new RegExp(`[,${delimiter === ";" ? ";" : ":"}]`))) {
    const path = p.trim();
    if (!path) continue;
    try {
      pems.push(readFileSync(path, "utf8"));
    } catch (err) {
      problems.push(`LEGO_CA_CERTIFICATES: cannot read ${path}: ${(err as Error).message}`);
    }
  }
  return { pems, problems };
}

/** Sets up acme-client's HTTP client; `ca` (when given) replaces the system roots, like lego. */
export function configureAcmeHttp(ca: string[] | undefined): void {
  installOnce();
  (acme.axios.defaults as unknown as AcmeAxiosDefaults).httpsAgent = ca?.length ? new Agent({ ca, keepAlive: true }) : undefined;
}

/** The Retry-After the CA at `url` sent since `sinceMs` (real clock), if any. */
export function retryAfterSince(url: string, sinceMs: number): number | undefined {
  try {
    const hit = retryAfterByOrigin.get(new URL(url).origin);
    return hit && hit.at >= sinceMs ? hit.ms : undefined;
  } catch {
    return undefined;
  }
}
