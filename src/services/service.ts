// What every compiled service offers the router and the services that wrap it
// (weighted, mirroring, failover).
import type { Handler, RawRouteHandler } from "../server/handler.ts";

export interface Service {
  readonly name: string;
  /** Answers a request (Request/Response path, used by every front). */
  readonly handler: Handler;
  /** The raw front's fast path, when the service has one. */
  readonly raw?: RawRouteHandler;
  /**
   * True when this service tells its parents about its health (a load balancer
   * with active or passive health checks, or a wrapper with `healthCheck: {}`).
   * Traefik only lets parents follow such services.
   */
  readonly reportsHealth: boolean;
  /** True while the service can serve (for a load balancer: some server is eligible). */
  isUp(): boolean;
  /** Stops background work (health checks, timers). */
  dispose(): void;
}
