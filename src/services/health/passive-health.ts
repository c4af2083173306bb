// Passive health checks (Traefik v3 `passiveHealthCheck`): real traffic is the
// probe. A server that fails `maxFailedAttempts` requests within
// `failureWindow` is taken out of rotation for one window, then gets traffic
// again (and is judged afresh). A failure is a request that got no response
// from the server (connection refused or reset, timeout); a backend's own 5xx
// is an answer and does not count.
import { parseDuration } from "../../config/static/duration.ts";
import type { ServerState } from "../balancer/server-state.ts";

export interface PassiveHealthCheckConfig {
  failureWindow?: string | number;
  maxFailedAttempts?: number;
}

export const DEFAULT_FAILURE_WINDOW_MS = 10_000;
export const DEFAULT_MAX_FAILED_ATTEMPTS = 1;

export interface PassiveSettings {
  windowMs: number;
  maxFailures: number;
}

/** Applies defaults; returns the problems found (a default is used instead). */
export function resolvePassiveSettings(config: PassiveHealthCheckConfig): { settings: PassiveSettings; warnings: string[] } {
  const warnings: string[] = [];
  let windowMs = DEFAULT_FAILURE_WINDOW_MS;
  if (config.failureWindow !== undefined) {
    try {
      const ms = parseDuration(config.failureWindow);
      if (ms > 0) windowMs = ms;
      else warnings.push("passiveHealthCheck.failureWindow must be above zero; using 10s");
    } catch (err) {
      warnings.push(`passiveHealthCheck.failureWindow: ${(err as Error).message}; using 10s`);
    }
  }
  let maxFailures = DEFAULT_MAX_FAILED_ATTEMPTS;
  const m = config.maxFailedAttempts;
  if (m !== undefined) {
    if (Number.isInteger(m) && m >= 1) maxFailures = m;
    else warnings.push("passiveHealthCheck.maxFailedAttempts must be a whole number of at least 1; using 1");
  }
  return { settings: { windowMs, maxFailures }, warnings };
}

interface Track {
  /** Times (ms) of the latest failures, oldest first; at most maxFailures. */
  failures: number[];
  timer?: ReturnType<typeof setTimeout>;
}

export class PassiveHealth {
  private readonly tracks = new Map<ServerState, Track>();
  private stopped = false;

  constructor(
    private readonly settings: PassiveSettings,
    /** Called when a server is taken out (false) or let back in (true). */
    private readonly onChange?: (server: ServerState, up: boolean) => void,
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  /** One request to `server` got no response. Cheap; runs on failures only. */
  failed(server: ServerState): void {
    if (this.stopped || server.passiveDown) return;
    let track = this.tracks.get(server);
    if (!track) this.tracks.set(server, (track = { failures: [] }));
    const t = this.now();
    const { windowMs, maxFailures } = this.settings;
    const f = track.failures;
    f.push(t);
    while (f.length > 0 && t - f[0] > windowMs) f.shift();
    if (f.length > maxFailures) f.shift();
    if (f.length < maxFailures) return;
    f.length = 0;
    server.passiveDown = true;
    this.onChange?.(server, false);
    const timer = setTimeout(() => {
      track.timer = undefined;
      if (this.stopped) return;
      server.passiveDown = false;
      this.onChange?.(server, true);
    }, windowMs);
    timer.unref?.();
    track.timer = timer;
  }

  /** Cancels pending returns; servers keep their current state. */
  stop(): void {
    this.stopped = true;
    for (const t of this.tracks.values()) if (t.timer !== undefined) clearTimeout(t.timer);
    this.tracks.clear();
  }
}
