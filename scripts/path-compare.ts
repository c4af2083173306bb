// Which request path can reach 0.8x nginx? Starts an nginx backend, an nginx
// proxy and the prototype proxies of scripts/path-compare/protos.ts, then runs
// wrk against each in turn (alternating, several rounds) and prints req/s,
// the ratio to nginx in the same round, p99 and proxy CPU µs per request.
//   npx bun scripts/path-compare.ts [--rounds=3] [--duration=5] [--connections=64]
//     [--modes=raw-pool,conn-pool,raw-fetch,serve-fetch,serve-pool,sluice-raw,sluice-serve] [--cpu-prof=<mode>  (to .tmp/path-compare-prof)]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, waitForHttp } from "./bench/net.ts";
import { backendConfig, proxyConfig, writeAndStartNginx, type NginxPaths } from "./bench/nginx.ts";
import { childPids, spawnTracked, stopAll, type Tracked } from "./bench/procs.ts";
import { runWrk } from "./bench/wrk.ts";

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const rounds = Number(arg("rounds", "3"));
const duration = Number(arg("duration", "5"));
const modes = arg("modes", "raw-pool,conn-pool,raw-fetch,serve-fetch,serve-pool").split(",");
const connections = Number(arg("connections", "64"));
const cpuProf = arg("cpu-prof", "");

/** utime+stime of a process and its children (nginx workers) in µs, from /proc. */
function cpuMicros(pid: number): number {
  let total = 0;
  for (const p of [pid, ...childPids(pid)]) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1].split(" ");
      total += (Number(fields[11]) + Number(fields[12])) * 10_000; // clock ticks of 10 ms
    } catch {
      // gone
    }
  }
  return total;
}

interface Target { name: string; port: number; proc: Tracked }

const dir = mkdtempSync(join(tmpdir(), "path-compare-"));
const paths: NginxPaths = { dir, www: dir, bodyTemp: dir };
const cleanup = async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
};
process.on("SIGINT", () => void cleanup().finally(() => process.exit(130)));

try {
  const backendPort = freePort();
  await writeAndStartNginx("nginx", "backend", backendConfig(paths, backendPort), paths);
  await waitForHttp(`http://127.0.0.1:${backendPort}/tiny`);
  const targets: Target[] = [];
  const nginxPort = freePort();
  targets.push({ name: "nginx", port: nginxPort, proc: await writeAndStartNginx("nginx", "proxy", proxyConfig(paths, nginxPort, backendPort), paths) });
  const bun = process.execPath;
  for (const mode of modes) {
    const port = freePort();
    const prof = cpuProf === mode ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${resolve(".tmp/path-compare-prof")}`] : [];
    if (mode.startsWith("sluice-")) {
      // The real Sluice on the same route: sluice-raw (raw front) or sluice-serve (Bun.serve + fetch).
      const conf = join(dir, `${mode}.yml`);
      const dyn = join(dir, `${mode}-dynamic.yml`);
      writeFileSync(conf, `entryPoints:\n  web:\n    address: "127.0.0.1:${port}"\nproviders:\n  file:\n    filename: ${dyn}\n    watch: false\nlog: { level: ERROR }\n`);
      writeFileSync(dyn, `http:\n  routers:\n    r: { rule: "PathPrefix(\`/\`)", service: s }\n  services:\n    s: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${backendPort}" }] } }\n`);
      // Bun.spawn takes the environment as it was at start, so pass it through env(1).
      const front = mode === "sluice-raw" ? "raw" : "serve";
      const cmd = ["env", `SLUICE_FRONT=${front}`, bun, ...prof, resolve(import.meta.dir, "../src/main.ts"), `--configFile=${conf}`];
      targets.push({ name: mode, port, proc: spawnTracked(mode, cmd, join(dir, mode)) });
      continue;
    }
    const cmd = [bun, ...prof, resolve(import.meta.dir, "path-compare/protos.ts"), mode, String(port), String(backendPort)];
    targets.push({ name: mode, port, proc: spawnTracked(mode, cmd, join(dir, mode)) });
  }
  for (const t of targets) await waitForHttp(`http://127.0.0.1:${t.port}/tiny`, { isAlive: () => t.proc.proc.exitCode === null });
  // Sanity: every path returns the backend body.
  for (const t of targets) {
    const body = await (await fetch(`http://127.0.0.1:${t.port}/tiny`, { proxy: false })).text();
    if (body !== "hello\n") throw new Error(`${t.name} answered ${JSON.stringify(body)}`);
  }
  const rows = new Map<string, { rps: number[]; ratio: number[]; p99: number[]; cpu: number[] }>();
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    const got = new Map<string, number>();
    for (const t of order) {
      const before = cpuMicros(t.proc.pid);
      const res = await runWrk("wrk", { url: `http://127.0.0.1:${t.port}/tiny`, connections, threads: 2, durationSec: duration });
      const cpu = (cpuMicros(t.proc.pid) - before) / res.requests;
      if (res.socketErrors || res.non2xx3xx) console.log(`  ${t.name}: ${res.socketErrors} socket errors, ${res.non2xx3xx} non-2xx`);
      got.set(t.name, res.requestsPerSec);
      const row = rows.get(t.name) ?? { rps: [], ratio: [], p99: [], cpu: [] };
      row.rps.push(res.requestsPerSec);
      row.p99.push(res.p99Ms);
      row.cpu.push(cpu);
      rows.set(t.name, row);
      console.log(`round ${r + 1} ${t.name.padEnd(12)} ${res.requestsPerSec.toFixed(0).padStart(7)} req/s  p99 ${res.p99Ms.toFixed(2)} ms  cpu ${cpu.toFixed(1)} µs/req`);
    }
    for (const t of targets) rows.get(t.name)!.ratio.push(got.get(t.name)! / got.get("nginx")!);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`\n| path | req/s (median) | ratio to nginx (per round) | median ratio | p99 ms | proxy CPU µs/req |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const [name, row] of rows) {
    console.log(`| ${name} | ${median(row.rps).toFixed(0)} | ${row.ratio.map((x) => x.toFixed(2)).join(" ")} | ${median(row.ratio).toFixed(2)} | ${median(row.p99).toFixed(2)} | ${median(row.cpu).toFixed(1)} |`);
  }
} finally {
  await cleanup();
}
