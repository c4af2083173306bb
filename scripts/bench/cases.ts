// The benchmark cases. Each compares a baseline side with a subject side
// (nginx vs Sluice; for `routes`, Sluice with 1 router vs with 10,000), and
// alternates them round by round so drift on a noisy machine hits both alike.
// The TLS cases (`https`, `handshakes`, `h2`) run against the TLS endpoints.
import { join } from "node:path";
import type { CaseName } from "./options.ts";
import { RssSampler } from "./procs.ts";
import { runTransfer } from "./curl.ts";
import { connectionsPerSec, runHandshakes } from "./handshakes.ts";
import { runH2load } from "./h2load.ts";
import { runWrk, type WrkRun } from "./wrk.ts";

export interface Measurement {
  /** Requests per second, new connections per second, or bytes per second for transfers. */
  value: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Failed requests (socket errors, non-2xx/3xx, short or failed transfers). */
  errors: number;
  /** Peak RSS of the proxy process (and its children) during the run, KiB. */
  peakRssKiB: number;
}

/** One proxy under test, as a case sees it. */
export interface Endpoint {
  label: string;
  /** Base URL, e.g. http://127.0.0.1:8080 or https://localhost:8443 */
  url: string;
  /** Process whose RSS is sampled (nginx: master, workers added). */
  pid: number;
  /** Extra request headers (the routes case sends Host). */
  headers?: Record<string, string>;
}

export interface CaseContext {
  wrk: string;
  curl: string;
  /** For the h2 case. */
  h2load?: string;
  /** Bun, to run the handshake client. */
  bun: string;
  /** Scratch files (h2load's per-request log). */
  tmpDir: string;
  durationSec: number;
  /** The sparse 1 GiB file: served by the backend and uploaded by curl. */
  bigFile: string;
  bigFileBytes: number;
  log(line: string): void;
}

export type Metric = "req/s" | "conn/s" | "bytes/s";

/** How one case loads an endpoint once. */
export interface CaseSpec {
  id: string;
  title: string;
  metric: Metric;
  /** Which selectable case (`--cases=`) it belongs to. */
  group: CaseName;
  /** Runs against the TLS endpoints (HTTPS) instead of the plain ones. */
  tls?: boolean;
  measure(ctx: CaseContext, endpoint: Endpoint): Promise<Omit<Measurement, "peakRssKiB">>;
}

function wrkCase(id: string, title: string, group: CaseName, path: string, connections: number, tls = false): CaseSpec {
  return {
    id,
    title,
    group,
    tls,
    metric: "req/s",
    async measure(ctx, endpoint) {
      const run: WrkRun = { url: endpoint.url + path, connections, durationSec: ctx.durationSec, headers: endpoint.headers };
      const r = await runWrk(ctx.wrk, run);
      return { value: r.requestsPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.socketErrors + r.non2xx3xx };
    },
  };
}

function transferCase(id: string, title: string, direction: "down" | "up"): CaseSpec {
  return {
    id,
    title,
    group: "1g",
    metric: "bytes/s",
    async measure(ctx, endpoint) {
      const up = direction === "up";
      const r = await runTransfer(ctx.curl, {
        url: endpoint.url + (up ? "/upload" : "/1g"),
        uploadFile: up ? ctx.bigFile : undefined,
        timeoutSec: 300,
      });
      const ok = r.status === 200 && r.bytes === ctx.bigFileBytes;
      if (!ok) ctx.log(`  ${endpoint.label} ${id}: status ${r.status}, ${r.bytes} of ${ctx.bigFileBytes} bytes`);
      return { value: r.bytesPerSec, errors: ok ? 0 : 1 };
    },
  };
}

export const TINY = wrkCase("tiny", "tiny response, 64 keep-alive connections", "tiny", "/tiny", 64);
export const ONE_MIB = wrkCase("1m", "1 MiB response, 8 connections", "1m", "/1m", 8);
export const DOWNLOAD = transferCase("1g-down", "1 GiB download (curl)", "down");
export const UPLOAD = transferCase("1g-up", "1 GiB upload (curl -T)", "up");
/** Same load as `tiny`, aimed at Sluice with 1 router and with 10,000. */
export const ROUTES = wrkCase("routes", "tiny response, 10,000 routers vs 1 (Sluice only)", "routes", "/tiny", 64);
export const CHAIN = wrkCase("chain", "tiny response, 5-middleware chain vs none (Sluice only)", "chain", "/tiny", 64);
export const HTTPS = wrkCase("https", "HTTPS tiny response, 64 keep-alive connections", "https", "/tiny", 64, true);

/** Full TLS handshakes: each connection one request with `Connection: close` (see handshake-client.ts for why not wrk). */
export const HANDSHAKES: CaseSpec = {
  id: "handshakes",
  title: "new TLS connections (full handshake + 1 request), 32 at a time",
  group: "handshakes",
  tls: true,
  metric: "conn/s",
  async measure(ctx, endpoint) {
    const url = new URL(endpoint.url);
    const r = await runHandshakes(ctx.bun, {
      host: url.hostname === "localhost" ? "127.0.0.1" : url.hostname,
      port: Number(url.port),
      serverName: url.hostname,
      path: "/tiny",
      concurrency: 32,
      durationSec: ctx.durationSec,
    });
    if (r.errors > 0) ctx.log(`  ${endpoint.label} handshakes: ${r.ok} ok, ${r.handshakes} handshakes, errors ${JSON.stringify(r.errorKinds)}`);
    return { value: connectionsPerSec(r), p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors };
  },
};

/** HTTP/2 over TLS with h2load: 16 connections x 10 concurrent streams. */
export const H2: CaseSpec = {
  id: "h2",
  title: "HTTP/2 tiny response, h2load 16 connections x 10 streams",
  group: "h2",
  tls: true,
  metric: "req/s",
  async measure(ctx, endpoint) {
    if (!ctx.h2load) throw new Error("h2load is missing");
    const r = await runH2load(ctx.h2load, {
      url: endpoint.url + "/tiny",
      clients: 16,
      streams: 10,
      durationSec: ctx.durationSec,
      logFile: join(ctx.tmpDir, `h2load-${endpoint.label}.log`),
    });
    // Only HTTP/2 counts: a proxy that fell back to HTTP/1.1 would measure something else.
    if (r.protocol !== "h2") throw new Error(`${endpoint.label} negotiated ${r.protocol ?? "no ALPN protocol"}, not h2`);
    ctx.log(`  ${endpoint.label} negotiated ${r.protocol}, ${r.tlsProtocol}, ${r.cipher}, ${r.serverTempKey}`);
    return { value: r.requestsPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.failed };
  },
};

/** Runs one measurement while sampling the endpoint's RSS. */
export async function measureOnce(spec: CaseSpec, ctx: CaseContext, endpoint: Endpoint): Promise<Measurement> {
  const sampler = new RssSampler(endpoint.pid).start();
  try {
    const m = await spec.measure(ctx, endpoint);
    return { ...m, peakRssKiB: sampler.stop() };
  } finally {
    sampler.stop();
  }
}

export interface SideSamples {
  label: string;
  samples: Measurement[];
}

/**
 * Warms each endpoint up once (untimed: JIT, connection pools, page cache),
 * then alternates baseline and subject for `rounds` rounds.
 */
export async function runAlternating(
  spec: CaseSpec,
  ctx: CaseContext,
  endpoints: Endpoint[],
  rounds: number,
): Promise<SideSamples[]> {
  const warmCtx = { ...ctx, durationSec: Math.min(2, ctx.durationSec) };
  for (const endpoint of endpoints) {
    ctx.log(`  warm-up ${endpoint.label}`);
    await spec.measure(warmCtx, endpoint);
  }
  const sides = endpoints.map((e) => ({ label: e.label, samples: [] as Measurement[] }));
  for (let round = 1; round <= rounds; round++) {
    for (let i = 0; i < endpoints.length; i++) {
      const m = await measureOnce(spec, ctx, endpoints[i]);
      sides[i].samples.push(m);
      ctx.log(`  round ${round}/${rounds} ${endpoints[i].label}: ${describe(spec.metric, m)}`);
    }
  }
  return sides;
}

export function describe(metric: Metric, m: Measurement): string {
  const value = metric === "bytes/s" ? `${(m.value / 1024 ** 2).toFixed(0)} MiB/s` : `${Math.round(m.value)} ${metric}`;
  const latency = m.p50Ms !== undefined ? `, p50 ${m.p50Ms.toFixed(2)} ms, p99 ${m.p99Ms?.toFixed(2)} ms` : "";
  const errors = m.errors ? `, ${m.errors} ERRORS` : "";
  return `${value}${latency}, peak RSS ${(m.peakRssKiB / 1024).toFixed(1)} MiB${errors}`;
}
