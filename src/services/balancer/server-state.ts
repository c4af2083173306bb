// One backend server of a load balancer, shared by the balancer (which reads
// `healthy`, `weight` and `inFlight`), the health checkers (active ones write
// `healthy`, passive ones `passiveDown`) and the proxy (which counts
// `inFlight`). Plain mutable fields: everything runs on one JS thread and the
// pick path must stay allocation-free.

/** Response times kept per server for `leasttime` (Traefik keeps 100). */
export const LATENCY_SAMPLES = 100;

export class ServerState {
  /** Backend origin (a path in it is a prefix, as in Traefik). */
  readonly url: URL;
  /** url.href, url.host and url.pathname, read once: URL getters build a new string on every call. */
  readonly href: string;
  readonly host: string;
  readonly pathname: string;
  /** Relative share of traffic; 0 (or less) means never picked. */
  readonly weight: number;
  /** False while active health checks say the server is down. */
  healthy = true;
  /** True while passive health checks keep the server out (too many failures). */
  passiveDown = false;
  /** Requests (and open WebSockets) currently forwarded to this server. */
  inFlight = 0;
  /** Ring of recent response times in ms; allocated only by strategies that read it. */
  private latencies: Float64Array | null = null;
  private latencyNext = 0;
  private latencyCount = 0;
  private latencySum = 0;

  constructor(url: URL | string, weight = 1) {
    this.url = typeof url === "string" ? new URL(url) : url;
    this.href = this.url.href;
    this.host = this.url.host;
    this.pathname = this.url.pathname;
    // NaN/negative weights would poison the arithmetic; treat them as "never".
    this.weight = Number.isFinite(weight) && weight > 0 ? weight : 0;
  }

  /** True when a balancer may send traffic here. */
  get eligible(): boolean {
    return this.healthy && !this.passiveDown && this.weight > 0;
  }

  /** Records one response time (ms) in the ring; a no-op until trackLatency() was called. */
  recordLatency(ms: number): void {
    const ring = this.latencies;
    if (ring === null || !(ms >= 0) || ms === Infinity) return;
    if (this.latencyCount < LATENCY_SAMPLES) this.latencyCount++;
    else this.latencySum -= ring[this.latencyNext];
    ring[this.latencyNext] = ms;
    this.latencySum += ms;
    this.latencyNext = (this.latencyNext + 1) % LATENCY_SAMPLES;
  }

  /** Starts keeping response times (leasttime); idempotent. */
  trackLatency(): void {
    if (this.latencies === null) this.latencies = new Float64Array(LATENCY_SAMPLES);
  }

  /** Mean of the kept response times in ms; 0 before the first sample (cold start). */
  get averageLatency(): number {
    return this.latencyCount === 0 ? 0 : this.latencySum / this.latencyCount;
  }
}
