// Every process the benchmark starts goes through here, so that all of them
// (and nginx's workers) can be stopped by PID at the end or on Ctrl-C.
import { readFileSync } from "node:fs";
import type { Subprocess } from "bun";

export interface Tracked {
  name: string;
  proc: Subprocess;
  pid: number;
  /** `<logPrefix>.out` / `.err` hold a server's output. */
  logPrefix?: string;
}

const live = new Set<Tracked>();

/** Child PIDs of a process (nginx master → workers), from /proc. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A long-running server process; its output goes to `<logPrefix>.out` and `.err`. */
export function spawnTracked(name: string, cmd: string[], logPrefix: string, cwd?: string): Tracked {
  const proc = Bun.spawn(cmd, {
    cwd,
    stdin: "ignore",
    stdout: Bun.file(`${logPrefix}.out`),
    stderr: Bun.file(`${logPrefix}.err`),
  });
  const tracked = { name, proc, pid: proc.pid, logPrefix };
  live.add(tracked);
  return tracked;
}

/** SIGTERM, then SIGKILL (children too) if it has not exited within `graceMs`. */
export async function stopTracked(t: Tracked, graceMs = 3000): Promise<void> {
  live.delete(t);
  if (t.proc.exitCode !== null || t.proc.signalCode !== null) return;
  const children = childPids(t.pid);
  t.proc.kill("SIGTERM");
  const exited = await Promise.race([t.proc.exited.then(() => true), Bun.sleep(graceMs).then(() => false)]);
  if (exited) return;
  for (const child of children) {
    try {
      process.kill(child, "SIGKILL");
    } catch {
      // already gone
    }
  }
  t.proc.kill("SIGKILL");
  await t.proc.exited;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((t) => stopTracked(t)));
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A client run (wrk, curl) to completion, killed if it overruns `timeoutMs`. */
export async function runTool(name: string, cmd: string[], timeoutMs: number): Promise<RunResult> {
  const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const tracked = { name, proc, pid: proc.pid };
  live.add(tracked);
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  try {
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { exitCode, stdout, stderr };
  } finally {
    clearTimeout(timer);
    live.delete(tracked);
  }
}

/** Resident set size in KiB of a PID (VmRSS), 0 once it is gone. */
export function rssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Polls the summed RSS of a process and its children every `everyMs` and keeps
 * the peak. Per-case peaks come from polling VmRSS rather than VmHWM, which
 * only ever grows over the process's life.
 */
export class RssSampler {
  private peak = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly pid: number, private readonly everyMs = 200) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  /** Stops polling; returns the peak in KiB. */
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return this.peak;
  }

  private sample(): void {
    let total = rssKiB(this.pid);
    for (const child of childPids(this.pid)) total += rssKiB(child);
    if (total > this.peak) this.peak = total;
  }
}

/** The last lines a server wrote to stderr and stdout, for error messages. */
export function logTail(t: Tracked, lines = 15): string {
  if (!t.logPrefix) return "";
  const parts: string[] = [];
  for (const ext of [".err", ".out"]) {
    try {
      const text = readFileSync(t.logPrefix + ext, "utf8").trimEnd();
      if (text) parts.push(text.split("\n").slice(-lines).join("\n"));
    } catch {
      // not written
    }
  }
  return parts.join("\n");
}
