import { applyForwardedHeaders, ENTRY_FILTERED } from "../server/forwarded-headers.ts";
import { stripHopByHop } from "../server/hop-by-hop.ts";
import { badGateway, gatewayTimeout } from "../server/answers.ts";
import { splitRequestUrl } from "../server/request-target.ts";
import type { ConnInfo } from "../server/handler.ts";
import type { RequestContext } from "../server/request-context.ts";
import { h2cFetchModule } from "./upstream/h2c-load.ts";
import type { RawUpstream } from "./upstream/raw-types.ts";
import { UpstreamError, type UpstreamClient, type UpstreamTimeouts, type UpstreamTlsOptions } from "./upstream/types.ts";

/** Everything fixed at compile time about forwarding to one load balancer's servers. */
export interface ForwardOptions {
  client: UpstreamClient;
  passHostHeader: boolean;
  timeouts: UpstreamTimeouts;
  tls?: UpstreamTlsOptions;
  proxyHostname: string;
  /** The raw front's upstream client, when that front is in use. */
  raw?: RawUpstream;
}

// Responses up to this size are read whole so Bun.serve sends them with
// Content-Length (it re-chunks streamed bodies); larger ones stream.
const BUFFER_SMALL_BODY_LIMIT = 64 * 1024;

const NO_BODY_STATUS = new Set([101, 204, 205, 304]);

/** The client for `h2c://` servers (loaded on first use), or the transport's. */
function clientFor(target: URL, opts: ForwardOptions): UpstreamClient {
  if (target.protocol !== "h2c:") return opts.client;
  return h2cFetchModule().sharedH2cFetchClient(opts.timeouts.idleConnTimeoutMs);
}

export async function forwardRequest(
  req: Request,
  ctx: RequestContext,
  conn: ConnInfo,
  target: URL,
  opts: ForwardOptions,
): Promise<Response> {
  const headers = new Headers(req.headers);
  stripHopByHop(headers);
  applyForwardedHeaders(
    headers,
    {
      clientIp: conn.clientIp,
      scheme: conn.scheme,
      host: ctx.host,
      entryPointPort: conn.entryPointPort,
      serverName: opts.proxyHostname,
      websocket: false,
    },
    ENTRY_FILTERED,
  );
  if (!opts.passHostHeader) headers.set("host", target.host);

  ctx.serviceUrl = target.href;
  ctx.serviceAddr = target.host;
  const sentAt = performance.now();
  let upstream: Response;
  try {
    upstream = await clientFor(target, opts).request({
      target,
      method: req.method,
      // The request's own URL, not ctx.path: a middleware (stripPrefix, replacePath...) may have rewritten it.
      pathAndQuery: joinPath(target.pathname, splitRequestUrl(req.url).pathAndQuery),
      headers,
      body: req.body,
      signal: req.signal,
      timeouts: opts.timeouts,
      tls: opts.tls,
    });
  } catch (err) {
    return upstreamFailure(ctx, err);
  }
  ctx.originStatus = upstream.status;
  ctx.originDurationMs = performance.now() - sentAt;

  const outHeaders = new Headers(upstream.headers);
  stripHopByHop(outHeaders);
  const status = upstream.status;
  ctx.downstreamStatus = status;
  ctx.responseHeaders = outHeaders;

  if (req.method === "HEAD" || NO_BODY_STATUS.has(status) || upstream.body === null) {
    ctx.originContentSize = 0;
    return new Response(null, { status, statusText: upstream.statusText, headers: outHeaders });
  }
  const length = Number(upstream.headers.get("content-length") ?? NaN);
  if (length >= 0 && length <= BUFFER_SMALL_BODY_LIMIT) {
    try {
      const body = await upstream.arrayBuffer();
      ctx.originContentSize = body.byteLength;
      return new Response(body, { status, statusText: upstream.statusText, headers: outHeaders });
    } catch (err) {
      return upstreamFailure(ctx, err);
    }
  }
  if (length >= 0) ctx.originContentSize = length;
  ctx.streamedResponse = true;
  return new Response(upstream.body, { status, statusText: upstream.statusText, headers: outHeaders });
}

function upstreamFailure(ctx: RequestContext, err: unknown): Response {
  if (err instanceof UpstreamError) {
    if (err.kind === "header-timeout" || err.kind === "dial-timeout") return gatewayTimeout(ctx, err.message);
    if (err.kind === "aborted") {
      ctx.error = "client closed request";
      ctx.downstreamStatus = 499;
      return new Response(null, { status: 499 as number });
    }
    return badGateway(ctx, `${err.kind}: ${err.message}`);
  }
  return badGateway(ctx, err instanceof Error ? err.message : String(err));
}

/** Traefik joins a server URL's path with the request path (single slash). */
export function joinPath(prefix: string, pathAndQuery: string): string {
  if (prefix === "" || prefix === "/") return pathAndQuery;
  const p = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  return pathAndQuery.startsWith("/") ? p + pathAndQuery : `${p}/${pathAndQuery}`;
}
