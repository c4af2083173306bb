import { readFileSync } from "node:fs";

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS); 0 if unreadable. */
export function readRss(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface RssSampler {
  /** Highest VmRSS seen so far, in bytes. */
  peak(): number;
  samples(): number;
  stop(): number;
}

/** Samples a process's VmRSS every `everyMs` until stopped; stop() returns the peak. */
export function sampleRss(pid: number, everyMs = 100): RssSampler {
  let peak = readRss(pid);
  let count = 1;
  const timer = setInterval(() => {
    peak = Math.max(peak, readRss(pid));
    count++;
  }, everyMs);
  return {
    peak: () => peak,
    samples: () => count,
    stop: () => {
      clearInterval(timer);
      peak = Math.max(peak, readRss(pid));
      return peak;
    },
  };
}

export const MiB = 1024 * 1024;
