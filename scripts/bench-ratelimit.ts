// How exact is rateLimit? Starts the real Sluice (bun src/main.ts) with one
// router whose rateLimit is `average: 200` (per 1s) and `burst: 50`, in front
// of a Bun.serve backend, then offers 5x that rate (1000 req/s) for 10 s from
// a paced client loop in this process (at most 128 requests in flight), and
// compares what got through with what a token bucket allows:
//
//   expected admitted = burst + average * T   (T = time from first to last request)
//
// It prints the admitted count and rate against that, and the error in
// percent; the target is within 5%. Exit code 0 when within target, 1 if not,
// 2 on a setup failure.
//
//   node_modules/.bin/bun scripts/bench-ratelimit.ts [--seconds=10] [--average=200] [--burst=50] [--factor=5]
//
// Everything started (Sluice; the backend lives in this process) is stopped by
// PID at the end or on Ctrl-C, and the temp dir is removed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, waitForHttp } from "./bench/net.ts";
import { logTail, stopAll, type Tracked } from "./bench/procs.ts";
import { startSluice } from "./bench/sluice.ts";
import { numberFlag } from "./bench/options.ts";

const ROOT = resolve(import.meta.dir, "..");
const MAX_IN_FLIGHT = 128;
const TARGET_PERCENT = 5;

const flag = (name: string, fallback: number): number => numberFlag(process.argv, name, fallback);

const seconds = flag("seconds", 10);
const average = flag("average", 200);
const burst = flag("burst", 50);
const offeredRate = average * flag("factor", 5);

const dir = mkdtempSync(join(tmpdir(), "sluice-bench-ratelimit-"));
const backend = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch: () => new Response("ok") });
let sluice: Tracked | undefined;

async function cleanup(): Promise<void> {
  await stopAll();
  backend.stop(true);
  rmSync(dir, { recursive: true, force: true });
}
process.on("SIGINT", () => void cleanup().finally(() => process.exit(130)));

function routes(backendUrl: string): string {
  return `http:
  routers:
    limited:
      rule: "PathPrefix(\`/\`)"
      entryPoints: [web]
      middlewares: [limit]
      service: app
  middlewares:
    limit:
      rateLimit: { average: ${average}, burst: ${burst} }
  services:
    app:
      loadBalancer:
        servers: [{ url: "${backendUrl}" }]
`;
}

interface Tally {
  sent: number;
  admitted: number;
  refused: number;
  other: number;
  firstSent: number;
  lastSent: number;
}

/** Offers `rate` req/s for `ms`, open loop: requests are sent on schedule, not after the previous answer. */
async function drive(url: string, rate: number, ms: number): Promise<Tally> {
  const t: Tally = { sent: 0, admitted: 0, refused: 0, other: 0, firstSent: 0, lastSent: 0 };
  let inFlight = 0;
  const fire = async () => {
    inFlight++;
    try {
      const res = await fetch(url, { proxy: false, signal: AbortSignal.timeout(5000) } as RequestInit);
      await res.arrayBuffer();
      if (res.status === 200) t.admitted++;
      else if (res.status === 429) t.refused++;
      else t.other++;
    } catch {
      t.other++;
    } finally {
      inFlight--;
    }
  };
  const start = performance.now();
  for (;;) {
    const now = performance.now();
    if (now - start >= ms) break;
    const due = Math.floor(((now - start) * rate) / 1000) + 1;
    while (t.sent < due && inFlight < MAX_IN_FLIGHT) {
      if (t.sent === 0) t.firstSent = performance.now();
      t.lastSent = performance.now();
      t.sent++;
      void fire();
    }
    await Bun.sleep(1);
  }
  const drainUntil = performance.now() + 10_000;
  while (inFlight > 0 && performance.now() < drainUntil) await Bun.sleep(5);
  return t;
}

const pct = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)}%`;

async function main(): Promise<number> {
  const port = freePort();
  sluice = await startSluice({ root: ROOT, dir }, port, routes(`http://127.0.0.1:${backend.port}`));
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitForHttp(url, { timeoutMs: 20_000, isAlive: () => sluice!.proc.exitCode === null });
  } catch (err) {
    console.error(`sluice did not start: ${(err as Error).message}\n${logTail(sluice)}`);
    return 2;
  }
  // The readiness probe took a token: let the bucket fill up again (burst / average seconds, and some).
  await Bun.sleep((burst / average) * 1000 + 500);

  console.log(`rateLimit average=${average}/s burst=${burst}; offering ${offeredRate} req/s for ${seconds} s (open loop, <= ${MAX_IN_FLIGHT} in flight)`);
  const t = await drive(url, offeredRate, seconds * 1000);
  const spanS = (t.lastSent - t.firstSent) / 1000;
  const expected = burst + average * spanS;
  const sustained = (t.admitted - burst) / spanS;
  const countError = ((t.admitted - expected) / expected) * 100;
  const rateError = ((sustained - average) / average) * 100;

  console.log(`sent      ${t.sent} in ${spanS.toFixed(2)} s = ${(t.sent / spanS).toFixed(1)} req/s offered`);
  console.log(`answers   ${t.admitted} admitted (200), ${t.refused} refused (429), ${t.other} other`);
  console.log(`expected  ${expected.toFixed(1)} admitted = burst ${burst} + average ${average}/s x ${spanS.toFixed(2)} s`);
  console.log(`admitted  ${(t.admitted / spanS).toFixed(1)} req/s overall; ${sustained.toFixed(1)} req/s after the burst vs average ${average}/s`);
  console.log(`error     count ${pct(countError)}, sustained rate ${pct(rateError)} (target within ${TARGET_PERCENT}%)`);
  const ok = t.other === 0 && Math.abs(countError) <= TARGET_PERCENT && Math.abs(rateError) <= TARGET_PERCENT;
  console.log(ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

let code = 2;
try {
  code = await main();
} catch (err) {
  console.error(err instanceof Error ? err.stack : err);
} finally {
  await cleanup();
}
process.exit(code);
