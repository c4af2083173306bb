import type { RawRouteHandler } from "../server/handler.ts";
import { rawAnswer } from "../server/raw/answers-raw.ts";
import { forwardHeaderList } from "../server/raw/forward-headers.ts";
import type { Balancer } from "./balancer/balancer.ts";
import { joinPath, type ForwardOptions } from "./proxy.ts";
import type { RawUpstream } from "./upstream/raw-types.ts";
import { UpstreamError } from "./upstream/types.ts";

/** The raw front's fast path through a load balancer: pick, forward, account. */
export function rawLoadBalancerHandler(balancer: Balancer, opts: ForwardOptions, upstream: RawUpstream): RawRouteHandler {
  return async (ex, ctx, conn) => {
    const server = balancer.pick();
    if (!server) return rawAnswer(ex, ctx, 503, "Service Unavailable", "no healthy server available");
    const target = server.url;
    ctx.serviceUrl = target.href;
    ctx.serviceAddr = target.host;
    const websocket = ex.head.upgrade !== null;
    const headers = forwardHeaderList(
      {
        headers: ex.head.headers,
        connection: ex.head.connection,
        clientIp: conn.clientIp,
        scheme: conn.scheme,
        host: ctx.host,
        entryPointPort: conn.entryPointPort,
        proxyHostname: opts.proxyHostname,
        websocket,
        backendHost: opts.passHostHeader ? null : target.host,
      },
      conn.trust,
    );
    const req = { target, method: ex.head.method, pathAndQuery: joinPath(target.pathname, ctx.path), headers, timeouts: opts.timeouts, tls: opts.tls };
    const sentAt = performance.now();
    server.inFlight++;
    try {
      if (websocket) {
        await upstream.tunnel(req, ex);
        ctx.originStatus = ctx.downstreamStatus = 101;
      } else {
        const result = await upstream.forward(req, ex);
        ctx.originStatus = ctx.downstreamStatus = result.status;
        ctx.originContentSize = ctx.downstreamContentSize = result.responseBytes;
      }
      ctx.originDurationMs = performance.now() - sentAt;
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      if (err.kind === "header-timeout" || err.kind === "dial-timeout") rawAnswer(ex, ctx, 504, "Gateway Timeout", err.message);
      else if (err.kind === "aborted") ctx.downstreamStatus = 499;
      else rawAnswer(ex, ctx, 502, "Bad Gateway", `${err.kind}: ${err.message}`);
    } finally {
      server.inFlight--;
    }
  };
}
