// How hard Sluice pushes a CA: exponential backoff after failures, a cap on
// orders per domain set per hour, and the CA's own Retry-After on top.

export const BACKOFF_BASE_MS = 60_000;
export const BACKOFF_MAX_MS = 12 * 3600_000;
export const MAX_ORDERS_PER_HOUR = 5;
const HOUR = 3600_000;

/** Delay before the next try after `failures` failures in a row (1 → base). Jitter ±10% spreads replicas. */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const raw = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 30));
  return Math.round(raw * (0.9 + 0.2 * random()));
}

/** Order start times of one domain set, to keep at most MAX_ORDERS_PER_HOUR in any hour. */
export class OrderBudget {
  private starts: number[] = [];

  /** The earliest time (ms) another order may start; `now` when one may start now. */
  nextAllowed(now: number): number {
    this.starts = this.starts.filter((t) => t > now - HOUR);
    if (this.starts.length < MAX_ORDERS_PER_HOUR) return now;
    return this.starts[0]! + HOUR;
  }

  record(now: number): void {
    this.starts.push(now);
  }

  get count(): number {
    return this.starts.length;
  }
}

/** When the next attempt may start after a failure. */
export function nextAttemptAfterFailure(now: number, failures: number, retryAfterMs: number | undefined, budget: OrderBudget): number {
  const byBackoff = now + backoffMs(failures);
  const byCa = retryAfterMs ? now + retryAfterMs : 0;
  return Math.max(byBackoff, byCa, budget.nextAllowed(now));
}
