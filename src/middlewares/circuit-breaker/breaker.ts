import type { Predicate } from "../expression/index.ts";
import { RollingMetrics } from "./rolling-metrics.ts";

// The state machine of vulcand/oxy's cbreaker, which Traefik uses:
//   closed     every request goes to the backend; its outcome is recorded and,
//              at most once per checkPeriod, the expression is evaluated on the
//              rolling metrics. True: trip.
//   tripped    for fallbackDuration no request reaches the backend (the
//              fallback answers). Metrics were reset when it tripped.
//   recovering for recoveryDuration a share of requests growing linearly from
//              0 to all is let through; the others get the fallback. The
//              expression is still checked: true trips again. At the end: closed.
// Everything advances lazily on requests: no timers.

export type BreakerState = "closed" | "tripped" | "recovering";

export interface BreakerOptions {
  condition: Predicate<RollingMetrics>;
  checkPeriodMs: number;
  fallbackDurationMs: number;
  recoveryDurationMs: number;
  now?: () => number;
  metrics?: RollingMetrics;
}

export class CircuitBreaker {
  readonly metrics: RollingMetrics;
  private stateValue: BreakerState = "closed";
  private until = 0;
  private nextCheck = 0;
  // Recovery ramp: requests let through and refused since it began.
  private rampStart = 0;
  private allowed = 0;
  private denied = 0;
  private readonly now: () => number;

  constructor(private readonly opts: BreakerOptions) {
    this.now = opts.now ?? Date.now;
    this.metrics = opts.metrics ?? new RollingMetrics({ now: this.now });
  }

  get state(): BreakerState {
    return this.stateValue;
  }

  /** True when this request may go to the backend; false means answer with the fallback. */
  allow(): boolean {
    if (this.stateValue === "closed") return true;
    const now = this.now();
    if (this.stateValue === "tripped") {
      if (now < this.until) return false;
      this.stateValue = "recovering";
      this.until = now + this.opts.recoveryDurationMs;
      this.rampStart = now;
      this.allowed = 0;
      this.denied = 0;
    }
    if (now >= this.until) {
      this.stateValue = "closed";
      return true;
    }
    return this.rampAllows(now);
  }

  /** Records a backend outcome, then evaluates the expression if a check is due. */
  record(status: number, latencyMs: number, networkError: boolean): void {
    this.metrics.record(status, latencyMs, networkError);
    const now = this.now();
    if (now < this.nextCheck || this.stateValue === "tripped") return;
    this.nextCheck = now + this.opts.checkPeriodMs;
    if (!this.opts.condition(this.metrics)) return;
    this.stateValue = "tripped";
    this.until = now + this.opts.fallbackDurationMs;
    this.metrics.reset();
  }

  /**
   * The share of requests let through since recovery began should be half the
   * elapsed fraction of recoveryDuration: with a linear ramp of the
   * instantaneous share from 0 to 1, the cumulative share is half of it.
   */
  private rampAllows(now: number): boolean {
    const target = (0.5 * (now - this.rampStart)) / this.opts.recoveryDurationMs;
    const ifAllowed = (this.allowed + 1) / (this.allowed + this.denied + 1);
    if (ifAllowed < target) {
      this.allowed++;
      return true;
    }
    this.denied++;
    return false;
  }
}
