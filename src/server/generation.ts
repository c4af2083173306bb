import type { Diagnostic } from "../config/diagnostic.ts";
import type { Muxer } from "../router/muxer.ts";
import type { Handler, RawRouteHandler } from "./handler.ts";
import type { TlsPlan } from "./tls-plan.ts";

/** What a matched route leads to. */
export interface RouteTarget {
  readonly routerName: string;
  readonly serviceName: string;
  readonly handler: Handler;
  /** Fast path for the raw HTTP/1.1 front: set when no middleware needs a Request. */
  readonly raw?: RawRouteHandler;
}

/** A service as a route sees it: both its handlers may be built on first read. */
export interface RouteService {
  readonly handler: Handler;
  readonly raw?: RawRouteHandler;
}

/** One middleware of a router's chain (entrypoint middlewares first). */
export interface RouteLayer {
  middleware: (next: Handler) => Handler;
  raw?: (next: RawRouteHandler) => RawRouteHandler;
}

const NOT_BUILT = Symbol("not built");

/**
 * A user router's target. The middleware chain is wrapped around the service
 * on first use, per front: with 10,000 routers most never serve a request,
 * and each wrapped chain is a set of closures kept for the generation's life.
 * Reading `handler` or `raw` gives the same function every time.
 */
export class LazyRouteTarget implements RouteTarget {
  private builtHandler: Handler | null = null;
  private builtRaw: RawRouteHandler | undefined | typeof NOT_BUILT = NOT_BUILT;

  constructor(
    readonly routerName: string,
    readonly serviceName: string,
    private readonly service: RouteService,
    private readonly chain: readonly RouteLayer[],
  ) {}

  get handler(): Handler {
    let h = this.builtHandler;
    if (h === null) {
      h = this.service.handler;
      const chain = this.chain;
      for (let i = chain.length - 1; i >= 0; i--) h = chain[i].middleware(h);
      this.builtHandler = h;
    }
    return h;
  }

  /** Set when the service and every middleware have a raw form: the raw front then forwards without a Request. */
  get raw(): RawRouteHandler | undefined {
    let r = this.builtRaw;
    if (r === NOT_BUILT) {
      r = this.service.raw;
      const chain = this.chain;
      for (let i = chain.length - 1; i >= 0 && r; i--) r = chain[i].raw?.(r);
      this.builtRaw = r;
    }
    return r;
  }
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
