import type { RawRouteHandler } from "../server/handler.ts";
import { rawAnswer } from "../server/raw/answers-raw.ts";
import { forwardFields } from "../server/raw/forward-headers.ts";
import { ENTRY_FILTERED } from "../server/forwarded-headers.ts";
import type { Balancer } from "./balancer/balancer.ts";
import type { ServerState } from "./balancer/server-state.ts";
import { joinPath, type ForwardOptions } from "./proxy.ts";
import type { RawExchange } from "../server/raw/connection.ts";
import type { RequestContext } from "../server/request-context.ts";
import type { RawForwardResult, RawForwardSink, RawUpstream } from "./upstream/raw-types.ts";
import { UpstreamError } from "./upstream/types.ts";

/** Told how each forward went, for passive health checks and `leasttime`. */
export interface ForwardObserver {
  /** The server gave no response (refused, reset, timed out). */
  failed(server: ServerState): void;
  /** The server answered; `ms` is how long the exchange took. */
  answered(server: ServerState, ms: number): void;
}

/**
 * The raw front's fast path through a load balancer: pick, forward, account.
 * `observer` is optional so the plain path pays nothing for it.
 */
export function rawLoadBalancerHandler(balancer: Balancer, opts: ForwardOptions, upstream: RawUpstream, observer?: ForwardObserver): RawRouteHandler {
  return (ex, ctx, conn, done) => {
    const server = balancer.pick();
    if (!server) {
      rawAnswer(ex, ctx, 503, "Service Unavailable", "no healthy server available");
      return done();
    }
    const target = server.url;
    ctx.serviceUrl = server.href;
    ctx.serviceAddr = server.host;
    const websocket = ex.head.upgrade !== null;
    const headers = forwardFields(
      {
        headers: ex.head.headers,
        connection: ex.head.connection,
        clientIp: conn.clientIp,
        scheme: conn.scheme,
        host: ctx.host,
        entryPointPort: conn.entryPointPort,
        proxyHostname: opts.proxyHostname,
        websocket,
        backendHost: opts.passHostHeader ? null : server.host,
        received: ex.head.received,
      },
      ENTRY_FILTERED,
    );
    const req = { target, method: ex.head.method, pathAndQuery: joinPath(server.pathname, ctx.forwardPath ?? ctx.path), headers, timeouts: opts.timeouts, tls: opts.tls };
    server.inFlight++;
    const call = new ForwardCall(ex, ctx, done, server, observer);
    if (websocket) {
      upstream.tunnel(req, ex).then(
        () => call.tunnelClosed(),
        (err: unknown) => call.failed(err),
      );
      return;
    }
    upstream.forwardWith(req, ex, call);
  };
}

/** One forward's bookkeeping, and the sink that hears how it ended (one object per request, no closures). */
class ForwardCall implements RawForwardSink {
  private readonly sentAt = performance.now();

  constructor(
    private readonly ex: RawExchange,
    private readonly ctx: RequestContext,
    private readonly done: (now?: number) => void,
    private readonly server: ServerState,
    private readonly observer: ForwardObserver | undefined,
  ) {}

  answered(result: RawForwardResult): void {
    const ctx = this.ctx;
    this.server.inFlight--;
    ctx.originStatus = ctx.downstreamStatus = result.status;
    ctx.originContentSize = ctx.downstreamContentSize = result.responseBytes;
    const now = performance.now();
    ctx.originDurationMs = now - this.sentAt;
    if (this.observer) this.observer.answered(this.server, ctx.originDurationMs);
    this.done(now);
  }

  /** A WebSocket tunnel ended (after its 101). */
  tunnelClosed(): void {
    const ctx = this.ctx;
    this.server.inFlight--;
    ctx.originStatus = ctx.downstreamStatus = 101;
    ctx.originDurationMs = performance.now() - this.sentAt;
    this.done();
  }

  failed(err: unknown): void {
    const { ex, ctx } = this;
    this.server.inFlight--;
    if (this.observer && !(err instanceof UpstreamError && err.kind === "aborted")) this.observer.failed(this.server);
    if (!(err instanceof UpstreamError)) {
      rawAnswer(ex, ctx, 502, "Bad Gateway", err instanceof Error ? err.message : String(err));
    } else if (err.kind === "header-timeout" || err.kind === "dial-timeout") {
      rawAnswer(ex, ctx, 504, "Gateway Timeout", err.message);
    } else if (err.kind === "aborted") {
      ctx.downstreamStatus = 499;
      ctx.error = "client closed request";
    } else {
      rawAnswer(ex, ctx, 502, "Bad Gateway", `${err.kind}: ${err.message}`);
    }
    this.done();
  }
}
