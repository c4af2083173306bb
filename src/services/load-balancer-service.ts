import type { LoadBalancerConfig } from "../config/dynamic/types.ts";
import type { Handler, RawRouteHandler } from "../server/handler.ts";
import { rawLoadBalancerHandler } from "./raw-forward-handler.ts";
import { noHealthyServer } from "../server/answers.ts";
import { ServerState } from "./balancer/server-state.ts";
import type { Balancer } from "./balancer/balancer.ts";
import { PowerOfTwoChoices } from "./balancer/p2c.ts";
import { WeightedRoundRobin } from "./balancer/wrr.ts";
import { HealthChecker } from "./health/health-checker.ts";
import { forwardRequest, type ForwardOptions } from "./proxy.ts";
import { bridgeWebSocket, isWebSocketUpgrade } from "./websocket-bridge.ts";

export interface ServiceHooks {
  onServerUp?: (service: string, url: string, up: boolean) => void;
  onHealthLog?: (service: string, url: string, up: boolean) => void;
  /** Compile only (sluice check): build everything, probe nothing. */
  dryRun?: boolean;
}

/** A compiled `loadBalancer` service: balancer, optional health checks, forwarding. */
export class LoadBalancerService {
  readonly servers: ServerState[];
  readonly handler: Handler;
  readonly raw?: RawRouteHandler;
  private readonly balancer: Balancer;
  private readonly checker: HealthChecker | null;

  constructor(readonly name: string, config: LoadBalancerConfig, forward: ForwardOptions, hooks: ServiceHooks) {
    this.servers = config.servers.map((s) => new ServerState(new URL(s.url), s.weight ?? 1));
    this.balancer = config.strategy === "p2c" ? new PowerOfTwoChoices(this.servers) : new WeightedRoundRobin(this.servers);
    for (const s of this.servers) hooks.onServerUp?.(name, s.url.href, true);
    this.checker = config.healthCheck
      ? new HealthChecker({
          serviceName: name,
          servers: this.servers,
          config: config.healthCheck,
          tls: forward.tls,
          log: null,
          onChange: (server, healthy) => {
            hooks.onServerUp?.(name, server.url.href, healthy);
            hooks.onHealthLog?.(name, server.url.href, healthy);
          },
        })
      : null;
    if (!hooks.dryRun) this.checker?.start();

    const balancer = this.balancer;
    if (forward.raw) this.raw = rawLoadBalancerHandler(balancer, forward, forward.raw);
    this.handler = async (req, ctx, conn) => {
      const server = balancer.pick();
      if (!server) return noHealthyServer(ctx);
      server.inFlight++;
      if (isWebSocketUpgrade(req)) {
        // The server stays busy for as long as the socket is open.
        let done = false;
        const release = () => { if (!done) { done = true; server.inFlight--; } };
        return (await bridgeWebSocket(req, ctx, conn, server.url, forward, release)) as Response;
      }
      try {
        return await forwardRequest(req, ctx, conn, server.url, forward);
      } finally {
        server.inFlight--;
      }
    };
  }

  dispose(): void {
    this.checker?.stop();
  }
}
