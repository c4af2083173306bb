// The circuitBreaker middleware tripping and recovering, seen from a client.
// Starts the real Sluice (bun src/main.ts) with one router whose
// circuitBreaker is
//
//   expression: "ResponseCodeRatio(500, 600, 0, 600) > 0.25"
//   checkPeriod: 100ms, fallbackDuration: 2s, recoveryDuration: 2s
//
// in front of a Bun.serve backend (in this process) that answers 200, then
// 500 from --fail-at until --heal-at (seconds into the load), then 200 again.
// It offers a steady --rate req/s (open loop: sent on schedule, at most 64 in
// flight) for --seconds and prints, per 250 ms bucket of send time:
//   200 / 500   answers that came from the backend (it sets X-Timeline-Backend)
//   503cb       the breaker's own 503 (no backend header)
//   other       anything else, network errors and timeouts
//   backend     requests the backend itself saw arrive in that bucket
//   fwd%        share of the answers that came from the backend
// then the transitions read off the answers: tripped (first breaker 503 of a
// run lasting at least fallbackDuration / 2), recovering (first request that
// reaches the backend again after that run) and closed (first forwarded
// request after the last breaker 503, followed by >= 500 ms of 100% forwarded).
// The breaker changes state lazily on requests, so "recovering" as seen here
// lags the real state change by the start of the ramp (~0.15 s at 200 req/s).
//
//   node_modules/.bin/bun scripts/timeline-circuit-breaker.ts [--seconds=14] [--rate=200] [--fail-at=3] [--heal-at=9] [--dump=samples.json]
//
// --dump writes every answer ({sentMs, status, fromBackend, doneMs}) and the backend's
// arrival times as JSON, for a closer look.
//
// The first trip is not immediate: the ratio is over a 10 s window that still
// holds the healthy answers, so at 200 req/s after 3 s of 200s it takes ~1 s
// of 500s to pass 0.25; the script predicts that moment from the answers.
// In recovery the backend still failing trips it again at once. A 500 that
// comes back after a trip (sent before it) lands in the reset window and can
// trip the next recovery too, even with a healthy backend (oxy does the same);
// the script notes such late answers, and the run may then end before closing.
//
// Exit code 0 when the timeline has the expected shape (no breaker 503 before
// the failure, a trip near the predicted moment, closed after the heal and
// all forwarded from then on), 1 if not, 2 on a setup failure. Sluice is stopped by PID at
// the end, on Ctrl-C or when the overall deadline passes; the temp dir is removed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, waitForHttp } from "./bench/net.ts";
import { logTail, stopAll, type Tracked } from "./bench/procs.ts";
import { startSluice } from "./bench/sluice.ts";
import { numberFlag } from "./bench/options.ts";

export const BACKEND_HEADER = "x-timeline-backend";

/** One request as the client saw it; times are ms since the load began. */
export interface Sample {
  sentMs: number;
  /** HTTP status, 0 for a network error or timeout. */
  status: number;
  /** The answer carries the backend's header: it came from the backend. */
  fromBackend: boolean;
  /** When the answer (or the error) arrived; only the late-answer note uses it. */
  doneMs?: number;
}

export interface Bucket {
  startMs: number;
  sent: number;
  ok: number;
  backend500: number;
  breaker503: number;
  other: number;
  /** Requests the backend saw arrive in this bucket (its own count). */
  reached: number;
}

export type Kind = "forwarded" | "breaker" | "other";

export function classify(s: Sample): Kind {
  if (s.fromBackend) return "forwarded";
  return s.status === 503 ? "breaker" : "other";
}

/** Buckets of `bucketMs` covering [0, spanMs); samples and hits outside are dropped. */
export function aggregate(samples: readonly Sample[], backendHitsMs: readonly number[], bucketMs: number, spanMs: number): Bucket[] {
  const count = Math.ceil(spanMs / bucketMs);
  const buckets: Bucket[] = Array.from({ length: count }, (_, i) => ({
    startMs: i * bucketMs, sent: 0, ok: 0, backend500: 0, breaker503: 0, other: 0, reached: 0,
  }));
  const at = (ms: number) => (ms >= 0 && ms < spanMs ? buckets[Math.floor(ms / bucketMs)] : undefined);
  for (const s of samples) {
    const b = at(s.sentMs);
    if (!b) continue;
    b.sent++;
    const kind = classify(s);
    if (kind === "breaker") b.breaker503++;
    else if (kind === "forwarded" && s.status === 200) b.ok++;
    else if (kind === "forwarded" && s.status >= 500 && s.status < 600) b.backend500++;
    else b.other++;
  }
  for (const ms of backendHitsMs) {
    const b = at(ms);
    if (b) b.reached++;
  }
  return buckets;
}

export interface Transition {
  kind: "tripped" | "recovering" | "closed";
  atMs: number;
}

/**
 * Breaker transitions read off the answers in send order (errors ignored).
 * A trip is a run of breaker 503s spanning >= minTripMs (recovery-ramp
 * refusals are short runs); closing needs >= minClosedMs of forwarded-only
 * answers after the last refusal, else the cycle ended in another trip.
 */
export function transitions(samples: readonly Sample[], minTripMs: number, minClosedMs: number): Transition[] {
  const seq = samples.filter((s) => classify(s) !== "other").sort((a, b) => a.sentMs - b.sentMs);
  // Long runs of breaker answers, as [first, last] indexes into seq.
  const trips: [number, number][] = [];
  for (let i = 0; i < seq.length; ) {
    if (classify(seq[i]!) !== "breaker") {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < seq.length && classify(seq[j + 1]!) === "breaker") j++;
    if (seq[j]!.sentMs - seq[i]!.sentMs >= minTripMs) trips.push([i, j]);
    i = j + 1;
  }
  const out: Transition[] = [];
  trips.forEach(([first, last], n) => {
    out.push({ kind: "tripped", atMs: seq[first]!.sentMs });
    const end = n + 1 < trips.length ? trips[n + 1]![0] : seq.length;
    if (last + 1 >= end) return;
    out.push({ kind: "recovering", atMs: seq[last + 1]!.sentMs });
    let lastRefusal = last;
    for (let k = last + 1; k < end; k++) if (classify(seq[k]!) === "breaker") lastRefusal = k;
    if (lastRefusal + 1 >= end) return;
    const closedAt = seq[lastRefusal + 1]!.sentMs;
    const stretchEnd = end < seq.length ? seq[end]!.sentMs : seq[end - 1]!.sentMs;
    if (stretchEnd - closedAt >= minClosedMs) out.push({ kind: "closed", atMs: closedAt });
  });
  return out;
}

/**
 * When the first trip should come: the send time of the first forwarded
 * answer after which the 5xx share of all forwarded answers so far exceeds
 * `threshold`. The breaker's window is 10 s of 1 s buckets, so this holds
 * while the failure starts within ~9 s of the load (the whole load is in the
 * window); the breaker then trips on the next check (<= checkPeriod later).
 */
export function predictedTripMs(samples: readonly Sample[], threshold: number): number | undefined {
  let total = 0;
  let failed = 0;
  for (const s of [...samples].sort((a, b) => a.sentMs - b.sentMs)) {
    if (classify(s) !== "forwarded") continue;
    total++;
    if (s.status >= 500 && s.status < 600) failed++;
    if (failed / total > threshold) return s.sentMs;
  }
  return undefined;
}

/**
 * Forwarded requests sent before a trip whose answer came back after it. The
 * breaker records them into the window it has just reset (as oxy does), so a
 * late 500 can trip the next recovery even when the backend is healthy again.
 */
export function lateAnswers(samples: readonly Sample[], found: readonly Transition[]): Sample[] {
  const trips = found.filter((t) => t.kind === "tripped").map((t) => t.atMs);
  return samples.filter(
    (s) => classify(s) === "forwarded" && s.doneMs !== undefined && trips.some((at) => s.sentMs < at && s.doneMs! > at),
  );
}

/** Share of the answered requests that came from the backend, in percent ("-" when none). */
export function forwardedPercent(b: Bucket): string {
  const answered = b.ok + b.backend500 + b.breaker503;
  return answered === 0 ? "-" : `${Math.round(((b.ok + b.backend500) / answered) * 100)}%`;
}

// ---------------------------------------------------------------------------
// The run itself (only when executed, not when the test imports the helpers).

const ROOT = resolve(import.meta.dir, "..");
const BUCKET_MS = 250;
const MAX_IN_FLIGHT = 64;
const FALLBACK_MS = 2000;
const RECOVERY_MS = 2000;
const DEADLINE_MS = 90_000;
const THRESHOLD = 0.25;
// Check period (100 ms), plus the answers in flight when the ratio passed it.
const TRIP_SLACK_MS = 300;

const flag = (name: string, fallback: number): number => numberFlag(process.argv, name, fallback);

function routes(backendUrl: string): string {
  return `http:
  routers:
    guarded:
      rule: "PathPrefix(\`/\`)"
      entryPoints: [web]
      middlewares: [breaker]
      service: app
  middlewares:
    breaker:
      circuitBreaker:
        expression: "ResponseCodeRatio(500, 600, 0, 600) > ${THRESHOLD}"
        checkPeriod: 100ms
        fallbackDuration: ${FALLBACK_MS / 1000}s
        recoveryDuration: ${RECOVERY_MS / 1000}s
  services:
    app:
      loadBalancer:
        servers: [{ url: "${backendUrl}" }]
`;
}

/** Offers `rate` req/s for `ms` from `t0`; every answer becomes a Sample. */
async function drive(url: string, rate: number, ms: number, t0: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  let inFlight = 0;
  let sent = 0;
  const fire = async (sentMs: number) => {
    inFlight++;
    try {
      const res = await fetch(url, { proxy: false, signal: AbortSignal.timeout(3000) } as RequestInit);
      await res.arrayBuffer();
      samples.push({ sentMs, status: res.status, fromBackend: res.headers.has(BACKEND_HEADER), doneMs: performance.now() - t0 });
    } catch {
      samples.push({ sentMs, status: 0, fromBackend: false, doneMs: performance.now() - t0 });
    } finally {
      inFlight--;
    }
  };
  for (;;) {
    const elapsed = performance.now() - t0;
    if (elapsed >= ms) break;
    const due = Math.floor((elapsed * rate) / 1000) + 1;
    while (sent < due && inFlight < MAX_IN_FLIGHT) {
      sent++;
      void fire(performance.now() - t0);
    }
    await Bun.sleep(1);
  }
  const drainUntil = performance.now() + 5000;
  while (inFlight > 0 && performance.now() < drainUntil) await Bun.sleep(5);
  return samples;
}

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function printTimeline(buckets: Bucket[], failAtMs: number, healAtMs: number): void {
  const mode = (b: Bucket) => {
    const end = b.startMs + BUCKET_MS;
    const failing = (t: number) => t >= failAtMs && t < healAtMs;
    return failing(b.startMs) && failing(end - 1) ? "500s" : failing(b.startMs) || failing(end - 1) ? "switch" : "ok";
  };
  console.log("   t(s)  backend  sent   200   500 503cb other backend  fwd%  forwarded(#) / breaker(.)");
  for (const b of buckets) {
    const answered = b.ok + b.backend500 + b.breaker503;
    const hashes = answered === 0 ? 0 : Math.round(((b.ok + b.backend500) / answered) * 20);
    const bar = "#".repeat(hashes) + ".".repeat(answered === 0 ? 0 : 20 - hashes);
    const cols = [b.sent, b.ok, b.backend500, b.breaker503, b.other].map((n) => String(n).padStart(5)).join(" ");
    console.log(`${(b.startMs / 1000).toFixed(2).padStart(7)}  ${mode(b).padEnd(7)} ${cols} ${String(b.reached).padStart(7)} ${forwardedPercent(b).padStart(5)}  ${bar}`);
  }
}

/** Backend switches, the predicted trip and the breaker transitions, in time order. */
function printEvents(found: Transition[], late: Sample[], failAtMs: number, healAtMs: number, predicted: number | undefined): void {
  const what = { tripped: "breaker tripped (first breaker 503)", recovering: "breaker recovering (first request reaches the backend again)", closed: "breaker closed (100% forwarded from here)" };
  const events: { atMs: number; text: string; order: number }[] = [
    { atMs: failAtMs, text: "backend starts failing (500)", order: 0 },
    { atMs: healAtMs, text: "backend healthy again (200)", order: 0 },
  ];
  if (predicted !== undefined) events.push({ atMs: predicted, text: `expected trip: 5xx share passes ${THRESHOLD}`, order: 0 });
  found.forEach((t, i) => {
    const prev = found[i - 1];
    const since = prev ? `  +${sec(t.atMs - prev.atMs)} after ${prev.kind}` : "";
    events.push({ atMs: t.atMs, text: what[t.kind] + since, order: i + 1 });
  });
  events.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  console.log("\nevents (breaker transitions as the client sees them)");
  for (const e of events) console.log(`  ${sec(e.atMs).padStart(8)}  ${e.text}`);
  if (late.length > 0) {
    const slowest = Math.max(...late.map((s) => s.doneMs! - s.sentMs));
    console.log(`  note: ${late.length} forwarded answer(s) came back after a trip (slowest ${slowest.toFixed(0)} ms); the breaker`);
    console.log("        counts them in its fresh window, so a late 500 can trip a recovery that only sees 200s");
  }
}

/** The shape we expect; each failed check is one line. */
function checkShape(samples: Sample[], found: Transition[], failAtMs: number, healAtMs: number, predicted: number | undefined): string[] {
  const problems: string[] = [];
  const early = samples.filter((s) => s.sentMs < failAtMs && classify(s) === "breaker").length;
  if (early > 0) problems.push(`${early} breaker 503s before the backend failed`);
  const trip = found.find((t) => t.kind === "tripped");
  if (predicted === undefined) problems.push("the 5xx share never passed the threshold");
  else if (!trip || Math.abs(trip.atMs - predicted) > TRIP_SLACK_MS) problems.push(`no trip within ${TRIP_SLACK_MS} ms of the predicted ${sec(predicted)}`);
  const closed = found.filter((t) => t.kind === "closed").at(-1);
  if (!closed || closed.atMs < healAtMs) problems.push("never closed after the backend healed");
  else {
    const after = samples.filter((s) => s.sentMs >= closed.atMs && classify(s) !== "forwarded").length;
    if (after > 0) problems.push(`${after} requests not forwarded after closing`);
  }
  const others = samples.filter((s) => classify(s) === "other").length;
  if (others > 0) problems.push(`${others} answers that were neither the backend's nor the breaker's`);
  return problems;
}

async function main(): Promise<number> {
  const seconds = flag("seconds", 14);
  const rate = flag("rate", 200);
  const failAtMs = flag("fail-at", 3) * 1000;
  const healAtMs = flag("heal-at", 9) * 1000;
  if (healAtMs <= failAtMs) throw new Error("--heal-at must come after --fail-at");

  const dir = mkdtempSync(join(tmpdir(), "sluice-timeline-cb-"));
  let t0 = Infinity; // load start; the backend fails in [t0 + failAt, t0 + healAt)
  const hits: number[] = [];
  const backend = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    fetch: () => {
      const t = performance.now() - t0;
      if (t >= 0) hits.push(t);
      const failing = t >= failAtMs && t < healAtMs;
      return new Response(failing ? "boom" : "ok", { status: failing ? 500 : 200, headers: { [BACKEND_HEADER]: "1" } });
    },
  });
  let sluice: Tracked | undefined;
  const cleanup = async () => {
    await stopAll();
    backend.stop(true);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("SIGINT", () => void cleanup().finally(() => process.exit(130)));
  const watchdog = setTimeout(() => {
    console.error(`overall deadline of ${DEADLINE_MS / 1000} s passed`);
    void cleanup().finally(() => process.exit(2));
  }, DEADLINE_MS);

  try {
    const port = freePort();
    sluice = await startSluice({ root: ROOT, dir }, port, routes(`http://127.0.0.1:${backend.port}`));
    const url = `http://127.0.0.1:${port}/`;
    try {
      await waitForHttp(url, { timeoutMs: 20_000, isAlive: () => sluice!.proc.exitCode === null });
    } catch (err) {
      console.error(`sluice did not start: ${(err as Error).message}\n${logTail(sluice)}`);
      return 2;
    }
    console.log(`circuitBreaker ResponseCodeRatio(500, 600, 0, 600) > 0.25, checkPeriod 100ms, fallback ${sec(FALLBACK_MS)}, recovery ${sec(RECOVERY_MS)}`);
    console.log(`backend: 200 until ${sec(failAtMs)}, 500 until ${sec(healAtMs)}, then 200; load: ${rate} req/s open loop for ${seconds} s (<= ${MAX_IN_FLIGHT} in flight)\n`);

    t0 = performance.now();
    const samples = await drive(url, rate, seconds * 1000, t0);
    const dump = process.argv.find((a) => a.startsWith("--dump="))?.slice(7);
    if (dump) await Bun.write(dump, JSON.stringify({ samples, backendHitsMs: hits }));
    const buckets = aggregate(samples, hits, BUCKET_MS, seconds * 1000);
    printTimeline(buckets, failAtMs, healAtMs);

    const found = transitions(samples, FALLBACK_MS / 2, 500);
    const predicted = predictedTripMs(samples, THRESHOLD);
    printEvents(found, lateAnswers(samples, found), failAtMs, healAtMs, predicted);
    const totals = aggregate(samples, hits, seconds * 1000, seconds * 1000)[0]!;
    console.log(`\ntotals: sent ${totals.sent}, 200 ${totals.ok}, 500 ${totals.backend500}, breaker 503 ${totals.breaker503}, other ${totals.other}, backend saw ${totals.reached}`);

    const problems = checkShape(samples, found, failAtMs, healAtMs, predicted);
    for (const p of problems) console.log(`  problem: ${p}`);
    console.log(problems.length === 0 ? "PASS" : "FAIL");
    return problems.length === 0 ? 0 : 1;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

if (import.meta.main) {
  let code = 2;
  try {
    code = await main();
  } catch (err) {
    console.error(err instanceof Error ? err.stack : err);
  }
  process.exit(code);
}
