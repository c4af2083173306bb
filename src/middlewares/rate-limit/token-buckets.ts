// One token bucket per source, with golang.org/x/time/rate's arithmetic as
// Traefik uses it: a bucket starts full (`burst` tokens), refills at `rate`
// tokens per ms up to `burst`, and each request takes one token. A request
// that would wait at most `maxDelayMs` for its token is admitted after that
// wait (Traefik's Reserve + Sleep); a longer wait is refused and takes nothing
// (Reserve + Cancel gives the token back).
//
// Memory stays bounded two ways. A bucket that has refilled to `burst` is
// indistinguishable from a new one, so it is dropped: the map is kept in
// least-recently-used order and each call drops up to two full buckets from
// its old end. And at most `maxSources` buckets are kept (Traefik's ttlmap
// holds 65536): past that the least recently used goes.

interface Bucket {
  tokens: number;
  /** When `tokens` was computed (ms, monotonic clock). */
  last: number;
}

export const MAX_SOURCES = 65_536;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    /** Tokens per millisecond (> 0). */
    readonly ratePerMs: number,
    readonly burst: number,
    readonly maxDelayMs: number,
    readonly maxSources = MAX_SOURCES,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /**
   * Takes a token for `source` at `now` (ms). Returns the wait in ms before
   * the request may go on (0: at once); a negative number -d means refused,
   * with the token available in d ms.
   */
  take(source: string, now: number): number {
    let bucket = this.buckets.get(source);
    let tokens: number;
    if (bucket) {
      this.buckets.delete(source); // re-inserted below, at the recent end
      tokens = this.tokensAt(bucket, now);
    } else {
      bucket = { tokens: this.burst, last: now };
      tokens = this.burst;
    }
    this.evict(now);
    this.buckets.set(source, bucket);

    // Go's delay is whole nanoseconds: under one is no wait at all.
    const wait = tokens >= 1 ? 0 : (1 - tokens) / this.ratePerMs;
    if (wait > this.maxDelayMs) return -wait; // refused: the bucket is left as it was
    bucket.tokens = tokens - 1;
    bucket.last = Math.max(now, bucket.last);
    return wait < 1e-6 ? 0 : wait;
  }

  private tokensAt(b: Bucket, now: number): number {
    const elapsed = now > b.last ? now - b.last : 0;
    return Math.min(this.burst, b.tokens + elapsed * this.ratePerMs);
  }

  private evict(now: number): void {
    let checked = 0;
    for (const [source, b] of this.buckets) {
      const overCap = this.buckets.size >= this.maxSources;
      if (!overCap && (checked++ >= 2 || this.tokensAt(b, now) < this.burst)) break;
      this.buckets.delete(source);
    }
  }
}
