import type { Diagnostic } from "../config/diagnostic.ts";
import type { Muxer } from "../router/muxer.ts";
import type { Handler, RawRouteHandler } from "./handler.ts";
import type { TlsPlan } from "./tls-plan.ts";

/** What a matched route leads to. */
export interface RouteTarget {
  routerName: string;
  serviceName: string;
  handler: Handler;
  /** Fast path for the raw HTTP/1.1 front: set when no middleware needs a Request. */
  raw?: RawRouteHandler;
}

export interface RouterStatus {
  name: string;
  rule: string;
  priority: number;
  entryPoints: string[];
  service: string;
  middlewares: string[];
  status: "enabled" | "disabled";
  errors: string[];
}

/**
 * One compiled, immutable routing table. A request keeps the generation it
 * started with, so a reload never changes routing under a request in flight.
 */
export class Generation {
  constructor(
    readonly id: number,
    private readonly muxers: Map<string, Muxer<RouteTarget>>,
    readonly diagnostics: readonly Diagnostic[],
    readonly routers: ReadonlyMap<string, RouterStatus>,
    /** TLS entrypoints with their routers, and the certificates routers ask resolvers for. */
    readonly tls: TlsPlan = { entryPoints: new Map(), wanted: [] },
    readonly createdAt = Date.now(),
  ) {}

  muxer(entryPoint: string): Muxer<RouteTarget> | undefined {
    return this.muxers.get(entryPoint);
  }
}
