// Active health checks, as Traefik runs them: every server of a load balancer
// is probed at start and then every `interval`; one failed probe takes it out
// of rotation and one success brings it back. Each server has its own loop,
// so a slow server never delays the verdict on the others.
import type { UpstreamTlsOptions } from "../upstream/types.ts";
import type { HealthCheckConfig } from "../../config/dynamic/types.ts";
import type { ServerState } from "../balancer/server-state.ts";
import { h2cFetchModule } from "../upstream/h2c-load.ts";
import { judgeStatus, probeHeaders, probeTarget, resolveProbeSettings, type ProbeSettings } from "./probe.ts";

/** Probes of `h2c://` targets speak HTTP/2 with prior knowledge. */
const h2cFetch = ((url: URL, init: RequestInit) => h2cFetchModule().fetchH2c(url, init)) as typeof fetch;

export interface HealthCheckerOptions {
  serviceName: string;
  servers: ServerState[];
  config: HealthCheckConfig;
  /** Called only when a server's health flips. */
  /** `reason`: why an active check found the server down. */
  onChange?: (server: ServerState, healthy: boolean, reason?: string) => void;
  fetchImpl?: typeof fetch;
  /** For https checks; serverName (SNI) comes from the servers transport, not from `hostname`, as in Go. */
  tls?: UpstreamTlsOptions;
  /** Transition and warning lines; console by default, null for silence. */
  log?: ((message: string) => void) | null;
}

/** Per-server loop state. */
interface Slot {
  server: ServerState;
  /** Probe URL, or why none could be built (every check then fails). */
  target: URL | string;
  timer?: ReturnType<typeof setTimeout>;
  inFlight?: AbortController;
}

type Outcome = { healthy: true } | { healthy: false; reason: string } | { aborted: true };

export class HealthChecker {
  private readonly settings: ProbeSettings;
  private readonly slots: Slot[];
  private readonly fetchImpl: typeof fetch;
  private readonly log: (message: string) => void;
  /** Bumped by start/stop so callbacks of an old run do nothing. */
  private run = 0;
  private running = false;

  /** Settings that were unusable and fell back to defaults (for config diagnostics). */
  get warnings(): readonly string[] {
    return this.settings.warnings;
  }

  constructor(private readonly opts: HealthCheckerOptions) {
    this.settings = resolveProbeSettings(opts.config);
    this.fetchImpl = opts.fetchImpl ?? fetch;
    this.log = opts.log === null ? () => {} : opts.log ?? ((m) => console.warn(m));
    for (const w of this.settings.warnings) this.log(`service "${opts.serviceName}": ${w}`);
    this.slots = opts.servers.map((server) => {
      let target: URL | string;
      try {
        target = probeTarget(server.url, opts.config);
      } catch (err) {
        target = `cannot build the health check URL: ${(err as Error).message}`;
      }
      return { server, target };
    });
  }

  /** Probes every server now, then every interval. Calling it twice is a no-op. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const run = ++this.run;
    for (const slot of this.slots) void this.check(slot, run);
  }

  /** Cancels pending timers and aborts probes in flight; no callback fires afterwards. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.run++;
    for (const slot of this.slots) {
      if (slot.timer !== undefined) clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.inFlight?.abort();
      slot.inFlight = undefined;
    }
  }

  private async check(slot: Slot, run: number): Promise<void> {
    slot.timer = undefined;
    const started = performance.now();
    const outcome = await this.probe(slot);
    if (run !== this.run || "aborted" in outcome) return;

    const healthy = outcome.healthy;
    if (healthy !== slot.server.healthy) {
      slot.server.healthy = healthy;
      const what = healthy ? "is back up" : `is down: ${(outcome as { reason: string }).reason}`;
      this.log(`health check: service "${this.opts.serviceName}" server ${slot.server.url.href} ${what}`);
      this.opts.onChange?.(slot.server, healthy, healthy ? undefined : (outcome as { reason: string }).reason);
    }
    // onChange may have stopped us.
    if (run !== this.run) return;
    // A fixed rhythm from the start of each probe, never two at once per server.
    const every = slot.server.healthy ? this.settings.intervalMs : this.settings.unhealthyIntervalMs;
    const wait = Math.max(0, every - (performance.now() - started));
    const timer = setTimeout(() => void this.check(slot, run), wait);
    timer.unref?.();
    slot.timer = timer;
  }

  private async probe(slot: Slot): Promise<Outcome> {
    if (typeof slot.target === "string") return { healthy: false, reason: slot.target };
    const s = this.settings;
    const controller = new AbortController();
    slot.inFlight = controller;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, s.timeoutMs);
    try {
      const fetcher = slot.target.protocol === "h2c:" ? h2cFetch : this.fetchImpl;
      const res = await fetcher(slot.target, {
        method: s.method,
        headers: probeHeaders(s),
        redirect: s.followRedirects ? "follow" : "manual",
        signal: controller.signal,
        decompress: false,
        proxy: false,
        tls: this.tlsOptions(slot.target),
      });
      // Only the status matters; drop the body instead of reading it.
      await res.body?.cancel().catch(() => {});
      const reason = judgeStatus(res.status, s.expectedStatus);
      return reason === undefined ? { healthy: true } : { healthy: false, reason };
    } catch (err) {
      if (timedOut) return { healthy: false, reason: `no answer within ${s.timeoutMs} ms` };
      if (controller.signal.aborted) return { aborted: true };
      return { healthy: false, reason: (err as Error)?.message ?? String(err) };
    } finally {
      clearTimeout(timer);
      if (slot.inFlight === controller) slot.inFlight = undefined;
    }
  }

  private tlsOptions(target: URL): { rejectUnauthorized: boolean; ca?: string[]; serverName?: string; cert?: string; key?: string } | undefined {
    const tls = this.opts.tls;
    if (target.protocol !== "https:" || !tls) return undefined;
    return {
      rejectUnauthorized: !tls.insecureSkipVerify,
      ...(tls.ca?.length ? { ca: tls.ca } : {}),
      ...(tls.serverName ? { serverName: tls.serverName } : {}),
      ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}),
    };
  }
}
