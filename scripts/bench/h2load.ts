// Runs h2load (nghttp2) over HTTP/2 for a fixed time and reads its report.
// h2load prints no latency percentiles, only min/max/mean, so p50/p99 come
// from its per-request log (--log-file: start µs, status, duration µs).
import { rmSync } from "node:fs";
import { runTool } from "./procs.ts";
import { percentile } from "./report.ts";

export interface H2loadResult {
  requestsPerSec: number;
  /** Completed requests in the measured window. */
  done: number;
  succeeded: number;
  /** h2load's `failed`: network errors, timeouts and non-2xx/3xx statuses. */
  failed: number;
  /** What ALPN and the handshake settled on, e.g. `h2`, `TLSv1.3`. */
  protocol?: string;
  tlsProtocol?: string;
  cipher?: string;
  serverTempKey?: string;
}

function required(output: string, pattern: RegExp, what: string): RegExpExecArray {
  const match = pattern.exec(output);
  if (!match) throw new Error(`h2load output has no ${what}:\n${output}`);
  return match;
}

/** The summary h2load prints at the end (`finished in 5.00s, 41755.50 req/s, 1.16MB/s` and the counts below it). */
export function parseH2loadOutput(output: string): H2loadResult {
  const finished = required(output, /^finished in [\d.]+m?s, ([\d.]+) req\/s,/m, "`finished in` line");
  const counts = required(output, /^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed/m, "`requests:` line");
  const line = (label: string) => new RegExp(`^${label}:\\s*(.+?)\\s*$`, "m").exec(output)?.[1];
  return {
    requestsPerSec: Number(finished[1]),
    done: Number(counts[3]),
    succeeded: Number(counts[4]),
    failed: Number(counts[5]),
    protocol: line("Application protocol"),
    tlsProtocol: line("TLS Protocol"),
    cipher: line("Cipher"),
    serverTempKey: line("Server Temp Key"),
  };
}

/** Request durations in ms from an h2load --log-file (tab-separated: start µs, status, duration µs). */
export function parseH2loadLog(text: string): number[] {
  const out: number[] = [];
  for (const row of text.split("\n")) {
    const fields = row.split("\t");
    if (fields.length < 3) continue;
    const micros = Number(fields[2]);
    if (Number.isFinite(micros)) out.push(micros / 1000);
  }
  return out;
}

export interface H2loadRun {
  url: string;
  /** Connections (h2load -c). */
  clients: number;
  /** Concurrent streams per connection (h2load -m). */
  streams: number;
  durationSec: number;
  /** Where the per-request log goes; removed after reading. */
  logFile: string;
  threads?: number;
}

export interface H2loadMeasurement extends H2loadResult {
  p50Ms?: number;
  p99Ms?: number;
}

export async function runH2load(h2load: string, run: H2loadRun): Promise<H2loadMeasurement> {
  const threads = Math.min(run.threads ?? 2, run.clients);
  const seconds = Math.max(1, Math.round(run.durationSec));
  const cmd = [h2load, `-c${run.clients}`, `-m${run.streams}`, `-t${threads}`, `-D${seconds}`, `--log-file=${run.logFile}`, run.url];
  try {
    const result = await runTool("h2load", cmd, (seconds + 30) * 1000);
    if (result.exitCode !== 0) throw new Error(`h2load exited with ${result.exitCode}: ${(result.stderr || result.stdout).trim()}`);
    const parsed = parseH2loadOutput(result.stdout);
    const durations = parseH2loadLog(await Bun.file(run.logFile).text());
    return { ...parsed, p50Ms: percentile(durations, 50), p99Ms: percentile(durations, 99) };
  } finally {
    rmSync(run.logFile, { force: true });
  }
}
