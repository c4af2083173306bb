// The seam between the proxy core and the way it talks to backends, so the
// fetch-based client and the pooled socket client can be compared and swapped.

export interface UpstreamTimeouts {
  /** Connect must finish within this; 0 = none. */
  dialTimeoutMs: number;
  /** Response head must arrive within this after the request was sent; 0 = none. */
  responseHeaderTimeoutMs: number;
  /** Idle pooled connections are closed after this. */
  idleConnTimeoutMs: number;
  /** HTTP/2 (h2c://) sessions are PINGed this often; 0 or absent = never (serversTransport readIdleTimeout). */
  readIdleTimeoutMs?: number;
  /** A PING unanswered this long closes the session (pingTimeout, default 15 s). */
  pingTimeoutMs?: number;
}

export interface UpstreamTlsOptions {
  serverName?: string;
  insecureSkipVerify?: boolean;
  /** PEM contents (not paths). */
  ca?: string[];
  /** Client certificate and key (PEM) for backends that ask for one (mTLS). */
  cert?: string;
  key?: string;
}

export interface UpstreamRequest {
  /** Backend origin, e.g. "http://10.0.0.1:8080" (a path in it is a prefix, as in Traefik). */
  target: URL;
  method: string;
  /** Path and query to send, e.g. "/a/b?x=1". */
  pathAndQuery: string;
  /** Already filtered: no hop-by-hop headers; Host set as it must go out. */
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  signal?: AbortSignal;
  timeouts: UpstreamTimeouts;
  tls?: UpstreamTlsOptions;
}

export type UpstreamErrorKind = "refused" | "reset" | "dial-timeout" | "header-timeout" | "aborted" | "protocol";

export class UpstreamError extends Error {
  constructor(readonly kind: UpstreamErrorKind, message: string, readonly bodySent = false) {
    super(message);
    this.name = "UpstreamError";
  }
}

export interface UpstreamClient {
  /**
   * Send one request; resolves with the backend's response head and a
   * streaming body (hop-by-hop headers still present: the caller strips them).
   * Rejects with UpstreamError. Must not follow redirects nor decompress.
   */
  request(req: UpstreamRequest): Promise<Response>;
  close(): void;
}
