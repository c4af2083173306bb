// The benchmark cases. Each compares a baseline side with a subject side
// (nginx vs Sluice; for `routes`, Sluice with 1 router vs with 10,000), and
// alternates them round by round so drift on a noisy machine hits both alike.
import type { CaseName } from "./options.ts";
import { RssSampler } from "./procs.ts";
import { runTransfer } from "./curl.ts";
import { runWrk, type WrkRun } from "./wrk.ts";

export interface Measurement {
  /** Requests per second, or bytes per second for transfers. */
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
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Process whose RSS is sampled (nginx: master, workers added). */
  pid: number;
  /** Extra request headers (the routes case sends Host). */
  headers?: Record<string, string>;
}

export interface CaseContext {
  wrk: string;
  curl: string;
  durationSec: number;
  /** The sparse 1 GiB file: served by the backend and uploaded by curl. */
  bigFile: string;
  bigFileBytes: number;
  log(line: string): void;
}

export type Metric = "req/s" | "bytes/s";

/** How one case loads an endpoint once. */
export interface CaseSpec {
  id: string;
  title: string;
  metric: Metric;
  /** Which selectable case (`--cases=`) it belongs to. */
  group: CaseName;
  measure(ctx: CaseContext, endpoint: Endpoint): Promise<Omit<Measurement, "peakRssKiB">>;
}

function wrkCase(id: string, title: string, group: CaseName, path: string, connections: number): CaseSpec {
  return {
    id,
    title,
    group,
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
  const value = metric === "req/s" ? `${Math.round(m.value)} req/s` : `${(m.value / 1024 ** 2).toFixed(0)} MiB/s`;
  const latency = m.p50Ms !== undefined ? `, p50 ${m.p50Ms.toFixed(2)} ms, p99 ${m.p99Ms?.toFixed(2)} ms` : "";
  const errors = m.errors ? `, ${m.errors} ERRORS` : "";
  return `${value}${latency}, peak RSS ${(m.peakRssKiB / 1024).toFixed(1)} MiB${errors}`;
}
