// A GC ballast, held only while large bodies stream through.
//
// JSC runs an eden (young) collection once the bytes allocated since the last
// one reach about the size of the heap that survived the last full collection.
// Sluice's heap is small (~5 MiB), and Bun allocates a fresh buffer for every
// socket read, so relaying 1 MiB responses ran an eden collection every ~10
// responses, each a ~0.4 ms pause (7% of wall time at 1,700 responses/s,
// BUN_JSC_logGC=1). Those read buffers are not garbage the collector has to
// find: the raw front frees them as soon as they are written (free-bytes.ts),
// but JSC counts them all the same.
//
// A large ArrayBuffer that is never written counts as heap for that rule and
// costs no memory (its pages are never touched, so the kernel never backs
// them): with 32 MiB held, collections came ~3x less often (668 -> 211 in
// 4 s of 1 MiB responses). It is held only while bytes are being freed early
// at a high rate: under small requests the garbage is real (small objects,
// small reads), and a larger young generation let it pile up: peak RSS
// 88 -> 160 MiB and ~5% more CPU per tiny request, measured, so the ballast
// must not stay for them.

/** Default ballast, MiB; SLUICE_GC_BALLAST_MB overrides it (0 turns it off). */
export const DEFAULT_BALLAST_MIB = 32;

/** Bytes freed early per second above which the ballast is held (~3 eden collections a second). */
export const ENGAGE_BYTES_PER_SEC = 32 * 1024 * 1024;
/** Seconds in a row below that rate after which the ballast goes. */
export const RELEASE_AFTER_QUIET_SEC = 30;

/** The ballast size the environment asks for, in bytes; throws on a value that is not a whole number of MiB. */
export function ballastBytes(env: Record<string, string | undefined>): number {
  const text = env.SLUICE_GC_BALLAST_MB;
  if (text === undefined || text === "") return DEFAULT_BALLAST_MIB * 1024 * 1024;
  const mib = Number(text);
  if (!/^\d+$/.test(text) || mib > 4096) throw new Error(`SLUICE_GC_BALLAST_MB must be a whole number of MiB from 0 to 4096, got ${JSON.stringify(text)}`);
  return mib * 1024 * 1024;
}

export interface BallastOptions {
  bytes: number;
  /** Total bytes freed early so far (bytesFreedEarly in free-bytes.ts). */
  freedTotal: () => number;
  engageBytesPerSec?: number;
  releaseAfterQuietSec?: number;
  /** A full collection, run once the ballast is dropped (default Bun.gc(true)). */
  collect?: () => void;
}

/** Holds or drops the ballast from the rate of early-freed bytes, sampled once a second by `tick`. */
export class GcBallast {
  private held: ArrayBuffer | null = null;
  private lastTotal: number;
  private quietSeconds = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly engageRate: number;
  private readonly releaseAfter: number;

  constructor(private readonly opts: BallastOptions) {
    this.lastTotal = opts.freedTotal();
    this.engageRate = opts.engageBytesPerSec ?? ENGAGE_BYTES_PER_SEC;
    this.releaseAfter = opts.releaseAfterQuietSec ?? RELEASE_AFTER_QUIET_SEC;
  }

  /** Bytes held now (0 or the configured size). */
  get heldBytes(): number {
    return this.held?.byteLength ?? 0;
  }

  /** One sample, `seconds` after the previous one. */
  tick(seconds = 1): void {
    const total = this.opts.freedTotal();
    const rate = (total - this.lastTotal) / seconds;
    this.lastTotal = total;
    if (rate >= this.engageRate) {
      this.quietSeconds = 0;
      if (this.held === null && this.opts.bytes > 0) this.held = new ArrayBuffer(this.opts.bytes);
      return;
    }
    this.quietSeconds += seconds;
    if (this.held !== null && this.quietSeconds >= this.releaseAfter) {
      this.held = null;
      // JSC sizes the young generation from the heap the last full collection
      // found; until one runs, it still counts the ballast. One now (a few ms
      // on this heap) brings collections back to their usual size at once.
      (this.opts.collect ?? (() => Bun.gc(true)))();
    }
  }

  /** Samples once a second without keeping the process alive. */
  start(): this {
    if (this.timer === null && this.opts.bytes > 0) {
      this.timer = setInterval(() => this.tick(1), 1000);
      this.timer.unref();
    }
    return this;
  }
}
