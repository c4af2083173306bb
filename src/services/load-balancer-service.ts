import type { LoadBalancerConfig } from "../config/dynamic/types.ts";
import type { Handler, RawRouteHandler } from "../server/handler.ts";
import { rawLoadBalancerHandler, type ForwardObserver } from "./raw-forward-handler.ts";
import { noHealthyServer } from "../server/answers.ts";
import { ServerState } from "./balancer/server-state.ts";
import type { Balancer } from "./balancer/balancer.ts";
import { LeastTime } from "./balancer/least-time.ts";
import { PowerOfTwoChoices } from "./balancer/p2c.ts";
import { SingleServer } from "./balancer/single-server.ts";
import { WeightedRoundRobin } from "./balancer/wrr.ts";
import { HealthChecker } from "./health/health-checker.ts";
import { PassiveHealth, resolvePassiveSettings, type PassiveHealthCheckConfig } from "./health/passive-health.ts";
import { forwardRequest, type ForwardOptions } from "./proxy.ts";
import type { Service } from "./service.ts";
import { StickyCookie, withSetCookie } from "./sticky-cookie.ts";
import { bridgeWebSocket, isWebSocketUpgrade } from "./websocket-bridge.ts";

export interface ServiceHooks {
  onServerUp?: (service: string, url: string, up: boolean) => void;
  onHealthLog?: (service: string, url: string, up: boolean, reason?: string) => void;
  /** Compile only (sluice check): build everything, probe nothing. */
  dryRun?: boolean;
}

/** `loadBalancer` plus the v3 key the shared schema may not carry yet. */
export type LoadBalancerOptions = LoadBalancerConfig & { passiveHealthCheck?: PassiveHealthCheckConfig };

const NO_WARNINGS: readonly string[] = Object.freeze([]);
/** Marks a lazily built handler not built yet (undefined is a valid "no raw path"). */
const UNBUILT = Symbol("unbuilt");

/**
 * A compiled `loadBalancer` service: balancer, optional sticky cookie and
 * health checks, forwarding. The request handlers are built on first use:
 * with thousands of services, most never see a request on a given front.
 */
export class LoadBalancerService implements Service {
  readonly servers: ServerState[];
  readonly reportsHealth: boolean;
  /** Problems with options that fell back to defaults. */
  readonly warnings: readonly string[] = NO_WARNINGS;
  private readonly balancer: Balancer;
  private readonly checker: HealthChecker | null;
  private readonly passive: PassiveHealth | null;
  private readonly latency: boolean;
  private readonly sticky: StickyCookie<ServerState> | null;
  private builtHandler: Handler | null = null;
  private builtRaw: RawRouteHandler | undefined | typeof UNBUILT = UNBUILT;

  /** `urlOf` lets services listing the same server URL share one (read-only) URL object. */
  constructor(
    readonly name: string,
    config: LoadBalancerOptions,
    private readonly forward: ForwardOptions,
    hooks: ServiceHooks,
    urlOf: (url: string) => URL = (url) => new URL(url),
  ) {
    this.servers = config.servers.map((s) => new ServerState(urlOf(s.url), s.weight ?? 1));
    const strategy = config.strategy ?? "wrr";
    this.balancer = balancerFor(strategy, this.servers);
    if (hooks.onServerUp) for (const s of this.servers) hooks.onServerUp(name, s.url.href, true);

    let passive: PassiveHealth | null = null;
    let report: ((server: ServerState) => void) | undefined;
    if (config.healthCheck || config.passiveHealthCheck) {
      report = (server: ServerState, _changed?: boolean, reason?: string) => {
        const up = server.healthy && !server.passiveDown;
        hooks.onServerUp?.(name, server.url.href, up);
        hooks.onHealthLog?.(name, server.url.href, up, reason);
      };
    }
    this.checker = config.healthCheck
      ? new HealthChecker({ serviceName: name, servers: this.servers, config: config.healthCheck, tls: forward.tls, log: null, onChange: report })
      : null;
    if (!hooks.dryRun) this.checker?.start();
    // Unusable settings (they fell back to defaults) become config warnings, with the file position.
    const warnings = [...(this.checker?.warnings ?? [])];
    if (config.passiveHealthCheck) {
      const resolved = resolvePassiveSettings(config.passiveHealthCheck);
      warnings.push(...resolved.warnings);
      passive = new PassiveHealth(resolved.settings, report);
    }
    if (warnings.length > 0) this.warnings = warnings;
    this.passive = passive;
    this.reportsHealth = this.checker !== null || passive !== null;
    this.latency = strategy === "leasttime";
    this.sticky = config.sticky?.cookie
      ? new StickyCookie<ServerState>(config.sticky.cookie, name, this.servers.filter((s) => s.weight > 0).map((s) => [s.url.href, s]))
      : null;
  }

  /** The raw front's fast path; none with a sticky cookie (the raw front writes the response itself, so it cannot add the cookie). */
  get raw(): RawRouteHandler | undefined {
    if (this.builtRaw === UNBUILT) {
      const raw = this.forward.raw;
      this.builtRaw = raw && !this.sticky ? rawLoadBalancerHandler(this.balancer, this.forward, raw, this.observer()) : undefined;
    }
    return this.builtRaw;
  }

  get handler(): Handler {
    return (this.builtHandler ??= this.makeHandler());
  }

  /** Allocated only when something listens: the plain fast path stays as it was. */
  private observer(): ForwardObserver | undefined {
    const passive = this.passive;
    if (!passive && !this.latency) return undefined;
    return {
      failed: (server) => passive?.failed(server),
      answered: (server, ms) => server.recordLatency(ms),
    };
  }

  private makeHandler(): Handler {
    const { balancer, sticky, forward } = this;
    const observer = this.observer();
    return async (req, ctx, conn) => {
      let server: ServerState | undefined;
      let pin = false;
      if (sticky) {
        const hit = sticky.lookup(req.headers.get("cookie"));
        if (hit && hit.target.eligible) {
          server = hit.target;
          pin = !hit.current;
        } else pin = true;
      }
      server ??= balancer.pick();
      if (!server) return noHealthyServer(ctx);
      server.inFlight++;
      if (isWebSocketUpgrade(req)) {
        // The server stays busy for as long as the socket is open.
        let done = false;
        const chosen = server;
        const release = () => { if (!done) { done = true; chosen.inFlight--; } };
        return (await bridgeWebSocket(req, ctx, conn, server.url, forward, release)) as Response;
      }
      let res: Response;
      // A new attempt (retry runs us again): what we learn must be this one's.
      ctx.originStatus = undefined;
      ctx.originDurationMs = undefined;
      try {
        res = await forwardRequest(req, ctx, conn, server.url, forward);
      } finally {
        server.inFlight--;
      }
      if (observer) {
        if (ctx.originStatus !== undefined) observer.answered(server, ctx.originDurationMs ?? 0);
        else if (res.status !== 499) observer.failed(server);
      }
      return pin && sticky ? withSetCookie(res, sticky.setCookie(server)) : res;
    };
  }

  isUp(): boolean {
    const servers = this.servers;
    for (let i = 0; i < servers.length; i++) if (servers[i].eligible) return true;
    return false;
  }

  dispose(): void {
    this.checker?.stop();
    this.passive?.stop();
  }
}

function balancerFor(strategy: string, servers: ServerState[]): Balancer {
  if (strategy === "p2c") return new PowerOfTwoChoices(servers);
  if (strategy === "leasttime") return new LeastTime(servers);
  // wrr over one server always picks it when eligible: no weight state needed.
  return servers.length === 1 ? new SingleServer(servers) : new WeightedRoundRobin(servers);
}
