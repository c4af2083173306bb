// Runs wrk and reads its text report (with --latency) into numbers.
import { runTool } from "./procs.ts";

export interface WrkResult {
  requestsPerSec: number;
  /** Response bytes per second. */
  bytesPerSec: number;
  requests: number;
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Socket errors (connect, read, write, timeout) summed. */
  socketErrors: number;
  /** Responses that were not 2xx or 3xx: a misrouted benchmark shows up here. */
  non2xx3xx: number;
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** `818.00us` → 0.818 (milliseconds). */
export function parseWrkTime(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`unreadable wrk time ${JSON.stringify(text)}`);
  return Number(match[1]) * TIME_UNITS[match[2]];
}

/** `5.10MB` → bytes (wrk's units are binary). */
export function parseWrkSize(text: string): number {
  const match = /^([\d.]+)(B|KB|MB|GB|TB)$/.exec(text.trim());
  if (!match) throw new Error(`unreadable wrk size ${JSON.stringify(text)}`);
  return Number(match[1]) * SIZE_UNITS[match[2]];
}

function required(output: string, pattern: RegExp, what: string): RegExpExecArray {
  const match = pattern.exec(output);
  if (!match) throw new Error(`wrk output has no ${what}:\n${output}`);
  return match;
}

export function parseWrkOutput(output: string): WrkResult {
  const percentile = (p: number) => parseWrkTime(required(output, new RegExp(`^\\s*${p}%\\s+(\\S+)`, "m"), `${p}% latency`)[1]);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  return {
    requestsPerSec: Number(required(output, /^Requests\/sec:\s+([\d.]+)/m, "Requests/sec")[1]),
    bytesPerSec: parseWrkSize(required(output, /^Transfer\/sec:\s+(\S+)/m, "Transfer/sec")[1]),
    requests: Number(required(output, /^\s*(\d+) requests in /m, "request count")[1]),
    p50Ms: percentile(50),
    p75Ms: percentile(75),
    p90Ms: percentile(90),
    p99Ms: percentile(99),
    socketErrors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx3xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

export interface WrkRun {
  url: string;
  connections: number;
  threads?: number;
  durationSec: number;
  headers?: Record<string, string>;
}

export async function runWrk(wrk: string, run: WrkRun): Promise<WrkResult> {
  const threads = Math.min(run.threads ?? 2, run.connections);
  const cmd = [wrk, `-t${threads}`, `-c${run.connections}`, `-d${Math.max(1, Math.round(run.durationSec))}s`, "--latency", "--timeout", "10s"];
  for (const [name, value] of Object.entries(run.headers ?? {})) cmd.push("-H", `${name}: ${value}`);
  cmd.push(run.url);
  const result = await runTool("wrk", cmd, (run.durationSec + 30) * 1000);
  if (result.exitCode !== 0) throw new Error(`wrk exited with ${result.exitCode}: ${result.stderr || result.stdout}`);
  return parseWrkOutput(result.stdout);
}
