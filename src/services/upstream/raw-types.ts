import type { RawExchange } from "../../server/raw/connection.ts";
import type { FieldBlock, Fields, HeaderList } from "../../server/raw/http1-head.ts";
import type { UpstreamError, UpstreamTimeouts, UpstreamTlsOptions } from "./types.ts";

// The upstream side of the raw front: forwards one request and writes the
// answer straight to the client's exchange, with no Request/Response objects.

export interface RawForwardRequest {
  target: URL;
  method: string;
  pathAndQuery: string;
  /**
   * Final request headers (hop-by-hop stripped, X-Forwarded-* set, Host set),
   * as a list or as ready text lines (FieldBlock); framing is added by the client.
   */
  headers: HeaderList | FieldBlock;
  timeouts: UpstreamTimeouts;
  tls?: UpstreamTlsOptions;
}

export interface RawForwardResult {
  status: number;
  responseBytes: number;
  /** The response's end-to-end fields (a FieldBlock when they were passed through as text). */
  headers: Fields;
}

/**
 * How one forward ended: exactly one of the two, once. An object rather than
 * two callbacks, so a caller can pass one per-request object it needs anyway.
 */
export interface RawForwardSink<R extends RawForwardResult = RawForwardResult> {
  answered(result: R): void;
  failed(err: UpstreamError): void;
}

export interface RawUpstream {
  /** Rejects with UpstreamError only when nothing was written to `ex` (the caller answers 502/504). */
  forward(req: RawForwardRequest, ex: RawExchange): Promise<RawForwardResult>;
  /** forward() without a Promise, same contract: the sink hears how it ended. */
  forwardWith(req: RawForwardRequest, ex: RawExchange, sink: RawForwardSink): void;
  /** Upgrade requests (WebSocket): relays the 101 and then bytes both ways. */
  tunnel(req: RawForwardRequest, ex: RawExchange): Promise<void>;
  close(): void;
}
