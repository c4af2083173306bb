// One per request. The request path fills it in as it goes; the access log and
// metrics read it once when the response has finished.
import type { HeaderList } from "./raw/http1-head.ts";

export interface RequestContext {
  startMs: number;            // performance.timeOrigin-based wall clock (Date.now())
  startHr: number;            // performance.now() at arrival, for durations
  entryPoint: string;
  clientAddr: string;         // "ip:port"
  clientHost: string;         // ip
  clientPort: number;
  clientUsername?: string;
  method: string;
  host: string;               // request host as sent (may carry a port)
  path: string;               // path + query as sent
  /** Path + query to send upstream when a raw-front middleware rewrote it (ctx.path stays as sent, for logs). */
  forwardPath?: string;
  protocol: string;           // "HTTP/1.1", "HTTP/2.0"
  scheme: "http" | "https";
  /** TLS version ("1.3") and cipher, for the access log and the *_requests_tls_total metrics. */
  tls?: { readonly version: string; readonly cipher: string };
  requestContentSize: number;
  routerName?: string;
  serviceName?: string;
  serviceUrl?: string;
  serviceAddr?: string;
  originStatus?: number;
  originContentSize?: number;
  originDurationMs?: number;
  downstreamStatus: number;
  downstreamContentSize: number;
  retryAttempts: number;
  durationMs?: number;
  /**
   * The request's headers: a Headers object on the Request path; on the raw
   * front, the field list as middlewares left it (metrics and the access log
   * read fields from either form, see HeaderSource). One of the two is set.
   */
  requestHeaders?: Headers;
  requestHeaderList?: HeaderList;
  responseHeaders?: Headers;
  /** The response body streams (not a buffer): its size is known only at the end. */
  streamedResponse?: boolean;
  /** Set when Sluice answered itself (no route, bad gateway...), for logs. */
  error?: string;
  /** What the observer's started() opened (the open-connection gauges), for finished() to close. */
  openMetrics?: unknown;
  /** The metrics' protocol label (http/websocket/sse), once computed for this request. */
  protocolLabel?: string;
}

