// What a circuit breaker measures over a rolling window, like oxy's RTMetrics
// (Traefik: 10 buckets of 1 s): request count, network errors, status codes
// and a latency histogram. Each time bucket is cleared lazily when the clock
// moves into it again, so recording is O(1) and nothing runs in the
// background. Reads (ratios, quantiles) sum over the live buckets; they run
// once per check period, not per request.

const MAX_STATUS = 600;
// Latency histogram: logarithmic bins 2% wide, from 1 µs up to 1 hour.
const LATENCY_GROWTH = Math.log(1.02);
const LATENCY_BINS = Math.ceil(Math.log(3_600_000_000) / LATENCY_GROWTH) + 1;

class Bucket {
  epoch = -1;
  total = 0;
  networkErrors = 0;
  readonly statuses = new Uint32Array(MAX_STATUS);
  readonly latencies = new Uint32Array(LATENCY_BINS);

  clear(epoch: number): void {
    this.epoch = epoch;
    this.total = 0;
    this.networkErrors = 0;
    this.statuses.fill(0);
    this.latencies.fill(0);
  }
}

export interface RollingMetricsOptions {
  buckets?: number;
  resolutionMs?: number;
  now?: () => number;
}

export class RollingMetrics {
  private readonly buckets: Bucket[];
  private readonly resolutionMs: number;
  private readonly now: () => number;

  constructor(opts: RollingMetricsOptions = {}) {
    this.buckets = Array.from({ length: opts.buckets ?? 10 }, () => new Bucket());
    this.resolutionMs = opts.resolutionMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  record(status: number, latencyMs: number, networkError: boolean): void {
    const epoch = Math.floor(this.now() / this.resolutionMs);
    const b = this.buckets[epoch % this.buckets.length]!;
    if (b.epoch !== epoch) b.clear(epoch);
    b.total++;
    if (networkError) b.networkErrors++;
    if (status >= 0 && status < MAX_STATUS) b.statuses[status]!++;
    b.latencies[latencyBin(latencyMs)]!++;
  }

  reset(): void {
    for (const b of this.buckets) b.clear(-1);
  }

  total(): number {
    let n = 0;
    for (const b of this.live()) n += b.total;
    return n;
  }

  /** Network errors over all requests; 0 when there were none. */
  networkErrorRatio(): number {
    let errors = 0;
    let total = 0;
    for (const b of this.live()) {
      errors += b.networkErrors;
      total += b.total;
    }
    return total === 0 ? 0 : errors / total;
  }

  /** Responses with a status in [from, to) over those in [divFrom, divTo); 0 when the divisor is empty. */
  responseCodeRatio(from: number, to: number, divFrom: number, divTo: number): number {
    let num = 0;
    let den = 0;
    for (const b of this.live()) {
      num += sumRange(b.statuses, from, to);
      den += sumRange(b.statuses, divFrom, divTo);
    }
    return den === 0 ? 0 : num / den;
  }

  /** The latency (ms) below which `quantile` percent of the requests fell; 0 with no data. */
  latencyAtQuantileMs(quantile: number): number {
    const merged = new Uint32Array(LATENCY_BINS);
    let total = 0;
    for (const b of this.live()) {
      total += b.total;
      for (let i = 0; i < LATENCY_BINS; i++) merged[i]! += b.latencies[i]!;
    }
    if (total === 0) return 0;
    const rank = Math.max(1, Math.ceil((quantile / 100) * total));
    let seen = 0;
    for (let i = 0; i < LATENCY_BINS; i++) {
      seen += merged[i]!;
      if (seen >= rank) return binUpperMs(i);
    }
    return binUpperMs(LATENCY_BINS - 1);
  }

  private *live(): Iterable<Bucket> {
    const current = Math.floor(this.now() / this.resolutionMs);
    for (const b of this.buckets) if (b.epoch > current - this.buckets.length && b.epoch <= current) yield b;
  }
}

function sumRange(counts: Uint32Array, from: number, to: number): number {
  let n = 0;
  for (let s = Math.max(0, from); s < Math.min(to, MAX_STATUS); s++) n += counts[s]!;
  return n;
}

function latencyBin(ms: number): number {
  const us = Math.max(1, ms * 1000);
  return Math.min(LATENCY_BINS - 1, Math.ceil(Math.log(us) / LATENCY_GROWTH));
}

/** The upper edge of a bin, in ms (within 2% of every latency in it). */
function binUpperMs(bin: number): number {
  return Math.exp(bin * LATENCY_GROWTH) / 1000;
}
