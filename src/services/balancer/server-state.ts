// One backend server of a load balancer, shared by the balancer (which reads
// `healthy`, `weight` and `inFlight`), the health checker (which writes
// `healthy`) and the proxy (which counts `inFlight`). Plain mutable fields:
// everything runs on one JS thread and the pick path must stay allocation-free.

export class ServerState {
  /** Backend origin (a path in it is a prefix, as in Traefik). */
  readonly url: URL;
  /** Relative share of traffic; 0 (or less) means never picked. */
  readonly weight: number;
  /** False while active health checks say the server is down. */
  healthy = true;
  /** Requests (and open WebSockets) currently forwarded to this server. */
  inFlight = 0;

  constructor(url: URL | string, weight = 1) {
    this.url = typeof url === "string" ? new URL(url) : url;
    // NaN/negative weights would poison the arithmetic; treat them as "never".
    this.weight = Number.isFinite(weight) && weight > 0 ? weight : 0;
  }

  /** True when a balancer may send traffic here. */
  get eligible(): boolean {
    return this.healthy && this.weight > 0;
  }
}
