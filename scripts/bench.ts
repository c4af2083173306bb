// `npm run bench`: Sluice against nginx as a reverse proxy, both in front of
// the same nginx backend, on this machine. See scripts/bench/*.ts for the parts.
import { closeSync, mkdirSync, mkdtempSync, openSync, ftruncateSync, rmSync, statfsSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { CHAIN, DOWNLOAD, H2, HANDSHAKES, HTTPS, ONE_MIB, ROUTES, TINY, UPLOAD, runAlternating, type CaseContext, type CaseSpec, type Endpoint } from "./bench/cases.ts";
import { makeBenchCert, TLS_HOST } from "./bench/certs.ts";
import { freePort, waitForHttp } from "./bench/net.ts";
import { backendConfig, hasHttp2Directive, parseNginxVersion, proxyConfig, tlsProxyConfig, writeAndStartNginx, type NginxPaths } from "./bench/nginx.ts";
import { parseOptions, TLS_CASES, USAGE, type BenchOptions } from "./bench/options.ts";
import { logTail, spawnTracked, stopAll, stopTracked, type Tracked } from "./bench/procs.ts";
import { caseResult, formatTable, type CaseResult } from "./bench/report.ts";
import { BENCH_HOST, CHAIN_PREFIX, chainConfig, routesConfig, startSluice, tlsRoutesConfig } from "./bench/sluice.ts";
import { ensureTools, type Tools } from "./bench/tools.ts";

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

interface CheckOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** HTTPS: the CA to verify the proxy's certificate with. */
  caPem?: string;
}

async function startChecked(t: Tracked, url: string, opts: CheckOptions = {}): Promise<number> {
  const started = performance.now();
  const { headers, timeoutMs = 30_000, caPem } = opts;
  try {
    await waitForHttp(url, { headers, timeoutMs, caPem, isAlive: () => t.proc.exitCode === null && t.proc.signalCode === null });
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
  const wantsTls = opts.cases.some((c) => TLS_CASES.includes(c));
  const tools = ensureTools(log, { tls: wantsTls, h2: opts.cases.includes("h2") });
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-"));
  tempDirs.push(dir);
  const files = await prepareFiles(dir);
  const wantsSluice = opts.targets.includes("sluice");
  const wantsNginx = opts.targets.includes("nginx");
  const specs: CaseSpec[] = [TINY, ONE_MIB, DOWNLOAD, UPLOAD, HTTPS, HANDSHAKES, H2].filter((s) => opts.cases.includes(s.group));
  const plainSpecs = specs.filter((s) => !s.tls);
  const tlsSpecs = specs.filter((s) => s.tls);
  const ctx: CaseContext = {
    wrk: tools.wrk,
    curl: tools.curl,
    h2load: tools.h2load,
    bun: process.execPath,
    tmpDir: dir,
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
  if (wantsNginx && plainSpecs.length > 0) {
    const port = freePort();
    const proxy = await writeAndStartNginx(tools.nginx, "proxy", proxyConfig(files, port, backendPort), files);
    await startChecked(proxy, `http://127.0.0.1:${port}/tiny`);
    endpoints.push({ label: "nginx", url: `http://127.0.0.1:${port}`, pid: proxy.pid });
  }
  if (wantsSluice && plainSpecs.length > 0) {
    const port = freePort();
    const sluiceDir = join(dir, "sluice-main");
    const t = await startSluice({ root: ROOT, entry: opts.sluice, dir: sluiceDir }, port, routesConfig(backendUrl, { hostRule: false, extraRouters: 0 }));
    await startChecked(t, `http://127.0.0.1:${port}/tiny`);
    endpoints.push({ label: "sluice", url: `http://127.0.0.1:${port}`, pid: t.pid });
  }

  const tlsEndpoints = tlsSpecs.length > 0 ? await startTlsEndpoints(tools, opts, files, backendPort) : [];
  const floor = wantsNginx && plainSpecs.some((s) => FLOOR_GROUPS.includes(s.group)) ? await startFloor(dir, backendPort) : undefined;

  const results: CaseResult[] = [];
  for (const spec of specs) {
    log(`\n== ${spec.id}: ${spec.title}`);
    const withFloor = floor !== undefined && FLOOR_GROUPS.includes(spec.group);
    const sides = await runAlternating(spec, ctx, spec.tls ? tlsEndpoints : withFloor ? [...endpoints, floor] : endpoints, opts.rounds);
    const byLabel = (label: string) => sides.find((s) => s.label === label);
    results.push(caseResult(spec.id, spec.title, spec.metric, byLabel("nginx"), byLabel("sluice")));
    if (withFloor) results.push(caseResult(spec.id, spec.title, spec.metric, byLabel("nginx"), byLabel(FLOOR_LABEL)));
  }

  const routeInfo: Record<string, number> = {};
  if (opts.cases.includes("routes")) {
    if (!wantsSluice) log("\n== routes: skipped (Sluice only, and --only=nginx)");
    else results.push(await runRoutesCase(ctx, opts, dir, backendUrl, routeInfo));
  }
  if (opts.cases.includes("chain")) {
    if (!wantsSluice) log("\n== chain: skipped (Sluice only, and --only=nginx)");
    else results.push(await runChainCase(ctx, opts, dir, backendUrl));
  }

  log(`\nMedians of ${opts.rounds} round(s), ${opts.duration} s per run; ratio = subject / baseline throughput; rounds = lowest-highest ratio of single rounds.`);
  log(formatTable(results));
  const out = resolve(ROOT, opts.out);
  mkdirSync(dirname(out), { recursive: true });
  const json = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      bun: Bun.version,
      nginx: versionOf([tools.nginx, "-v"]),
      wrk: versionOf([tools.wrk, "-v"]),
      ...(tools.h2load ? { h2load: versionOf([tools.h2load, "--version"]) } : {}),
      ...(tools.openssl ? { openssl: versionOf([tools.openssl, "version"]) } : {}),
    },
    options: opts,
    routes: routeInfo,
    cases: results,
  };
  await Bun.write(out, JSON.stringify(json, null, 2) + "\n");
  log(`\nwrote ${out}`);
}

/** Cases that also measure the runtime floor (transfers, where the runtime's socket path is most of the cost). */
const FLOOR_GROUPS: readonly string[] = ["1m", "1g"];
const FLOOR_LABEL = "bun pipe";

/** scripts/bench/bun-pipe.ts in front of the backend: what any Bun program pays to relay the same bytes. */
async function startFloor(dir: string, backendPort: number): Promise<Endpoint> {
  const port = freePort();
  const t = spawnTracked(FLOOR_LABEL, [process.execPath, join(ROOT, "scripts/bench/bun-pipe.ts"), `--port=${port}`, `--upstream=127.0.0.1:${backendPort}`], join(dir, "bun-pipe"));
  await startChecked(t, `http://127.0.0.1:${port}/tiny`);
  return { label: FLOOR_LABEL, url: `http://127.0.0.1:${port}`, pid: t.pid };
}

/**
 * nginx and Sluice terminating TLS with the same certificate (EC P-256 from a
 * throwaway CA), in front of the same backend; each is checked over HTTPS
 * with the CA, so a wrong certificate stops the run before any load.
 */
async function startTlsEndpoints(tools: Tools, opts: BenchOptions, files: NginxPaths, backendPort: number): Promise<Endpoint[]> {
  const certDir = join(files.dir, "tls");
  mkdirSync(certDir);
  const cert = makeBenchCert(tools.openssl!, certDir);
  const caPem = await Bun.file(cert.caFile).text();
  const endpoints: Endpoint[] = [];
  if (opts.targets.includes("nginx")) {
    const version = parseNginxVersion(versionOf([tools.nginx, "-v"]));
    const port = freePort();
    const conf = tlsProxyConfig(files, port, backendPort, cert, version !== undefined && hasHttp2Directive(version));
    const proxy = await writeAndStartNginx(tools.nginx, "proxy-tls", conf, files);
    await startChecked(proxy, `https://${TLS_HOST}:${port}/tiny`, { caPem });
    endpoints.push({ label: "nginx", url: `https://${TLS_HOST}:${port}`, pid: proxy.pid });
  }
  if (opts.targets.includes("sluice")) {
    const port = freePort();
    const routes = tlsRoutesConfig(`http://127.0.0.1:${backendPort}`, cert);
    const t = await startSluice({ root: ROOT, entry: opts.sluice, dir: join(files.dir, "sluice-tls") }, port, routes, "websecure");
    await startChecked(t, `https://${TLS_HOST}:${port}/tiny`, { caPem });
    endpoints.push({ label: "sluice", url: `https://${TLS_HOST}:${port}`, pid: t.pid });
  }
  return endpoints;
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
      const readyMs = await startChecked(t, `http://127.0.0.1:${port}/tiny`, { headers, timeoutMs: 120_000 });
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

/** One Sluice: a route without middleware vs one through five (issue 4 asks >= 0.85x). */
async function runChainCase(ctx: CaseContext, opts: BenchOptions, dir: string, backendUrl: string): Promise<CaseResult> {
  log(`\n== chain: ${CHAIN.title}`);
  const hash = await Bun.password.hash("bench-secret", { algorithm: "bcrypt", cost: 10 });
  const port = freePort();
  const t = await startSluice({ root: ROOT, entry: opts.sluice, dir: join(dir, "sluice-chain") }, port, chainConfig(backendUrl, `bench:${hash}`));
  try {
    const headers = { Authorization: `Basic ${Buffer.from("bench:bench-secret").toString("base64")}` };
    await startChecked(t, `http://127.0.0.1:${port}${CHAIN_PREFIX}/tiny`, { headers });
    const endpoints: Endpoint[] = [
      { label: "no middleware", url: `http://127.0.0.1:${port}`, pid: t.pid, headers },
      { label: "5 middlewares", url: `http://127.0.0.1:${port}${CHAIN_PREFIX}`, pid: t.pid, headers },
    ];
    const sides = await runAlternating(CHAIN, ctx, endpoints, opts.rounds);
    return caseResult(CHAIN.id, CHAIN.title, CHAIN.metric, sides[0], sides[1]);
  } finally {
    await stopTracked(t);
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
