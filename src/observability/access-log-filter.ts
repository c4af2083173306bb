// Access-log filters as Traefik applies them: status code ranges, "had a
// retry", and "took longer than"; a request is logged when any one matches.
import type { AccessLogConfig } from "../config/static/types.ts";

export type StatusRange = readonly [from: number, to: number];

/**
 * Parses Traefik's statusCodes list: each entry is "200", "300-302", or a
 * comma-separated mix of those. Throws on anything else, with the bad entry.
 */
export function parseStatusRanges(entries: readonly string[]): StatusRange[] {
  const ranges: StatusRange[] = [];
  for (const entry of entries) {
    for (const part of entry.split(",")) {
      const bounds = part.trim().split("-");
      if (bounds.length > 2) throw new Error(`invalid status code range "${part}"`);
      const from = parseCode(bounds[0]!, part);
      const to = bounds.length === 2 ? parseCode(bounds[1]!, part) : from;
      if (to < from) throw new Error(`invalid status code range "${part}": end before start`);
      ranges.push([from, to]);
    }
  }
  return ranges;
}

function parseCode(text: string, part: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new Error(`invalid status code "${t}" in "${part}"`);
  return Number(t);
}

export interface FilterInput {
  status: number;
  retryAttempts: number;
  durationMs: number;
}

export type AccessLogFilter = (r: FilterInput) => boolean;

export interface BuiltFilter {
  keep: AccessLogFilter;
  /** Set when statusCodes did not parse; like Traefik, that filter is then ignored. */
  error?: string;
}

const keepAll: AccessLogFilter = () => true;

export function buildFilter(filters: AccessLogConfig["filters"]): BuiltFilter {
  if (!filters) return { keep: keepAll };
  let ranges: StatusRange[] = [];
  let error: string | undefined;
  try {
    ranges = parseStatusRanges(filters.statusCodes ?? []);
  } catch (err) {
    error = (err as Error).message;
  }
  const retries = filters.retryAttempts === true;
  const minMs = filters.minDurationMs ?? 0;
  // Filters given but all empty (e.g. `--accesslog.filters` alone) keep everything.
  if (ranges.length === 0 && !retries && minMs <= 0) return { keep: keepAll, error };

  const keep: AccessLogFilter = (r) => {
    for (const [from, to] of ranges) if (r.status >= from && r.status <= to) return true;
    if (retries && r.retryAttempts > 0) return true;
    return minMs > 0 && r.durationMs > minMs;
  };
  return { keep, error };
}
