// `npm run bench`: Sluice against nginx as a reverse proxy, both in front of
// the same nginx backend, on this machine. See scripts/bench/*.ts for the parts.
import { closeSync, mkdirSync, mkdtempSync, openSync, ftruncateSync, rmSync, statfsSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { DOWNLOAD, ONE_MIB, ROUTES, TINY, UPLOAD, runAlternating, type CaseContext, type CaseSpec, type Endpoint } from "./bench/cases.ts";
import { freePort, waitForHttp } from "./bench/net.ts";
import { backendConfig, proxyConfig, writeAndStartNginx, type NginxPaths } from "./bench/nginx.ts";
import { parseOptions, USAGE, type BenchOptions } from "./bench/options.ts";
import { logTail, stopAll, stopTracked, type Tracked } from "./bench/procs.ts";
import { caseResult, formatTable, type CaseResult } from "./bench/report.ts";
import { BENCH_HOST, routesConfig, startSluice } from "./bench/sluice.ts";
import { ensureTools } from "./bench/tools.ts";

const ROOT = resolve(import.meta.dir, "..");
const BIG_FILE_BYTES = 1024 ** 3;
const EXTRA_ROUTERS = 9_999;
const log = (line: string) => console.log(line);

const tempDirs: string[] = [];
let keepTemp = false;
let interrupted = false;

let cleaning: Promise<void> | undefined;

/** Stops every process, then removes the temp dirs; Ctrl-C and the normal end share one run. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopAll();
    if (keepTemp) return log(`kept ${tempDirs.join(", ")}`);
    for (const dir of tempDirs) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        console.error(`could not remove ${dir}: ${err instanceof Error ? err.message : err}`);
      }
    }
  })();
  return cleaning;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    interrupted = true;
    log(`\n${signal}: stopping every process started`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** tmpfs for the backend's upload spool when it has room, else the temp dir. */
function uploadSpoolDir(fallback: string): string {
  try {
    const fs = statfsSync("/dev/shm");
    if (fs.bavail * fs.bsize >= 2 * BIG_FILE_BYTES) {
      const dir = mkdtempSync("/dev/shm/sluice-bench-");
      tempDirs.push(dir);
      return join(dir, "body");
    }
  } catch {
    // no /dev/shm
  }
  return join(fallback, "upload-spool");
}

async function prepareFiles(dir: string): Promise<NginxPaths & { bigFile: string }> {
  const www = join(dir, "www");
  mkdirSync(www);
  await Bun.write(join(www, "1m"), crypto.getRandomValues(new Uint8Array(1024 * 1024)));
  const bigFile = join(www, "1g");
  // Sparse: costs no disk, reads as zeros from the page cache.
  const fd = openSync(bigFile, "w");
  ftruncateSync(fd, BIG_FILE_BYTES);
  closeSync(fd);
  return { dir, www, bodyTemp: uploadSpoolDir(dir), bigFile };
}

async function startChecked(t: Tracked, url: string, headers?: Record<string, string>, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  try {
    await waitForHttp(url, { headers, timeoutMs, isAlive: () => t.proc.exitCode === null && t.proc.signalCode === null });
  } catch (err) {
    const tail = logTail(t);
    throw new Error(`${t.name} did not come up: ${err instanceof Error ? err.message : err}${tail ? `\n${tail}` : ""}`);
  }
  return performance.now() - started;
}

function versionOf(cmd: string[]): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  return (r.stdout.toString() + r.stderr.toString()).trim().split("\n")[0] ?? "";
}

async function main(opts: BenchOptions): Promise<void> {
  const tools = ensureTools(log);
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-"));
  tempDirs.push(dir);
  const files = await prepareFiles(dir);
  const wantsSluice = opts.targets.includes("sluice");
  const wantsNginx = opts.targets.includes("nginx");
  const specs: CaseSpec[] = [TINY, ONE_MIB, DOWNLOAD, UPLOAD].filter((s) => opts.cases.includes(s.group));
  const ctx: CaseContext = {
    wrk: tools.wrk,
    curl: tools.curl,
    durationSec: opts.duration,
    bigFile: files.bigFile,
    bigFileBytes: BIG_FILE_BYTES,
    log,
  };

  log(`sluice bench: ${cpus().length} CPUs, bun ${Bun.version}, ${versionOf([tools.nginx, "-v"])}, temp ${dir}`);
  const backendPort = freePort();
  const backend = await writeAndStartNginx(tools.nginx, "backend", backendConfig(files, backendPort), files);
  await startChecked(backend, `http://127.0.0.1:${backendPort}/tiny`);
  const backendUrl = `http://127.0.0.1:${backendPort}`;

  const endpoints: Endpoint[] = [];
  if (wantsNginx && specs.length > 0) {
    const port = freePort();
    const proxy = await writeAndStartNginx(tools.nginx, "proxy", proxyConfig(files, port, backendPort), files);
    await startChecked(proxy, `http://127.0.0.1:${port}/tiny`);
    endpoints.push({ label: "nginx", url: `http://127.0.0.1:${port}`, pid: proxy.pid });
  }
  if (wantsSluice && specs.length > 0) {
    const port = freePort();
    const sluiceDir = join(dir, "sluice-main");
    const t = await startSluice({ root: ROOT, entry: opts.sluice, dir: sluiceDir }, port, routesConfig(backendUrl, { hostRule: false, extraRouters: 0 }));
    await startChecked(t, `http://127.0.0.1:${port}/tiny`);
    endpoints.push({ label: "sluice", url: `http://127.0.0.1:${port}`, pid: t.pid });
  }

  const results: CaseResult[] = [];
  for (const spec of specs) {
    log(`\n== ${spec.id}: ${spec.title}`);
    const sides = await runAlternating(spec, ctx, endpoints, opts.rounds);
    const byLabel = (label: string) => sides.find((s) => s.label === label);
    results.push(caseResult(spec.id, spec.title, spec.metric, byLabel("nginx"), byLabel("sluice")));
  }

  const routeInfo: Record<string, number> = {};
  if (opts.cases.includes("routes")) {
    if (!wantsSluice) log("\n== routes: skipped (Sluice only, and --only=nginx)");
    else results.push(await runRoutesCase(ctx, opts, dir, backendUrl, routeInfo));
  }

  log(`\nMedians of ${opts.rounds} round(s), ${opts.duration} s per wrk run; ratio = subject / baseline throughput.`);
  log(formatTable(results));
  const out = resolve(ROOT, opts.out);
  mkdirSync(dirname(out), { recursive: true });
  const json = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, bun: Bun.version, nginx: versionOf([tools.nginx, "-v"]), wrk: versionOf([tools.wrk, "-v"]) },
    options: opts,
    routes: routeInfo,
    cases: results,
  };
  await Bun.write(out, JSON.stringify(json, null, 2) + "\n");
  log(`\nwrote ${out}`);
}

/** Sluice with 1 router vs with 10,000, both started fresh; readiness time recorded. */
async function runRoutesCase(ctx: CaseContext, opts: BenchOptions, dir: string, backendUrl: string, info: Record<string, number>): Promise<CaseResult> {
  log(`\n== routes: ${ROUTES.title}`);
  const started: Tracked[] = [];
  try {
    const endpoints: Endpoint[] = [];
    for (const [label, extra] of [["1 router", 0], ["10k routers", EXTRA_ROUTERS]] as const) {
      const port = freePort();
      const t = await startSluice({ root: ROOT, entry: opts.sluice, dir: join(dir, `sluice-routes-${extra + 1}`) }, port, routesConfig(backendUrl, { hostRule: true, extraRouters: extra }));
      started.push(t);
      const headers = { Host: BENCH_HOST };
      const readyMs = await startChecked(t, `http://127.0.0.1:${port}/tiny`, headers, 120_000);
      info[`readyMs ${label}`] = Math.round(readyMs);
      log(`  ${label}: ready after ${Math.round(readyMs)} ms`);
      endpoints.push({ label, url: `http://127.0.0.1:${port}`, pid: t.pid, headers });
    }
    const sides = await runAlternating(ROUTES, ctx, endpoints, opts.rounds);
    return caseResult(ROUTES.id, ROUTES.title, ROUTES.metric, sides[0], sides[1]);
  } finally {
    for (const t of started) await stopTracked(t);
  }
}

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
let exitCode = 0;
try {
  const opts = parseOptions(argv);
  keepTemp = opts.keep;
  await main(opts);
} catch (err) {
  if (!interrupted) console.error(`bench failed: ${err instanceof Error ? err.message : err}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
