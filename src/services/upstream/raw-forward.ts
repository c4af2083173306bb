// Forwards one request from the raw HTTP/1.1 front (RawExchange) to an
// upstream over pooled Bun.connect sockets, streaming both bodies with
// backpressure. No Request/Response/Headers/ReadableStream objects: the
// response head's fields (a FieldBlock, or a list) are written straight to
// the client's ResponseWriter.
//
// Error contract:
// - before the response head was written to the client: the promise rejects
//   with an UpstreamError (refused / reset / dial-timeout / header-timeout /
//   protocol, or "aborted" when the client went away) and nothing was written,
//   so the caller answers 502/504 (or nothing for "aborted").
// - after: the client connection is destroyed (a cut response, never a
//   well-framed wrong one) and the promise RESOLVES with `incomplete` set to the
//   reason; the caller only logs.
import type { RawExchange } from "../../server/raw/connection.ts";
import { UpstreamConnection } from "./connection.ts";
import { ConnectionPool } from "./pool.ts";
import type { H2cSessions } from "./h2c-sessions.ts";
import { h2cForwardModule } from "./h2c-load.ts";
import { ForwardRun, type Origin, type RawForwardOutcome, type RunPool } from "./raw-forward-run.ts";
import { DEFAULT_MAX_HEAD_BYTES } from "./response-parser.ts";
import type { RawForwardRequest, RawForwardSink, RawUpstream } from "./raw-types.ts";
import { UpstreamError, type UpstreamTimeouts, type UpstreamTlsOptions } from "./types.ts";

export type { RawForwardRequest, RawForwardResult } from "./raw-types.ts";
export type { RawForwardOutcome } from "./raw-forward-run.ts";

export interface RawUpstreamPoolOptions {
  maxIdleConnsPerHost: number;
  idleConnTimeoutMs: number;
  maxHeadBytes?: number;
}

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;
const noop = () => {};

/** originOf's answer for an `h2c://` server: HTTP/2 sessions (h2c-forward.ts), not this pool's sockets. */
const H2C = "h2c";

export class RawUpstreamPool implements RawUpstream, RunPool {
  private readonly pool: ConnectionPool;
  readonly maxHeadBytes: number;
  /** Origins by target URL object (routers hand the same URL each time). */
  private readonly origins = new WeakMap<URL, { tls: UpstreamTlsOptions | undefined; origin: Origin | typeof H2C }>();
  private closed = false;
  /** Upstream connections opened so far (tests, metrics). */
  dials = 0;
  /** HTTP/2 sessions to `h2c://` servers, made on first use. */
  private h2cSessions: H2cSessions | null = null;
  private readonly idleConnTimeoutMs: number;

  constructor(opts: RawUpstreamPoolOptions) {
    this.pool = new ConnectionPool({ maxIdleConnsPerHost: Math.max(opts.maxIdleConnsPerHost, 0), idleConnTimeoutMs: opts.idleConnTimeoutMs });
    this.maxHeadBytes = opts.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES;
    this.idleConnTimeoutMs = opts.idleConnTimeoutMs;
  }

  /** Sends the request and streams the response to `ex`; see the error contract above. */
  forward(req: RawForwardRequest, ex: RawExchange): Promise<RawForwardOutcome> {
    return this.run(req, ex, false);
  }

  /** forward() without a Promise (same contract): for a caller that is not async. */
  forwardWith(req: RawForwardRequest, ex: RawExchange, sink: RawForwardSink<RawForwardOutcome>): void {
    if (this.closed) return sink.failed(new UpstreamError("refused", "upstream pool closed"));
    let origin: Origin | typeof H2C;
    try {
      origin = this.originOf(req);
    } catch (err) {
      return sink.failed(err as UpstreamError);
    }
    if (origin === H2C) return this.forwardH2c(req, ex, sink);
    new ForwardRun(this, origin, req, ex, false, sink).start();
  }

  /**
   * For a request with `ex.head.upgrade`: a fresh (never pooled) connection; on
   * 101 the client socket is taken over and bytes flow both ways, and the
   * promise resolves when the tunnel closed. Any other answer is forwarded as a
   * normal response. Errors before the head: UpstreamError.
   */
  tunnel(req: RawForwardRequest, ex: RawExchange): Promise<void> {
    return this.tunnelOutcome(req, ex).then(noop);
  }

  /** tunnel() with the outcome: status 101 and bytes sent to the client, or the non-101 answer's. */
  tunnelOutcome(req: RawForwardRequest, ex: RawExchange): Promise<RawForwardOutcome> {
    return this.run(req, ex, ex.head.upgrade !== null);
  }

  /** To an `h2c://` server: one HTTP/2 stream on the session to its origin (h2c-forward.ts). */
  private forwardH2c(req: RawForwardRequest, ex: RawExchange, sink: RawForwardSink<RawForwardOutcome>): void {
    const client = h2cForwardModule();
    this.h2cSessions ??= new client.H2cSessions({ idleConnTimeoutMs: this.idleConnTimeoutMs });
    new client.H2cForward(this.h2cSessions, req, ex, sink).start();
  }

  /** Idle pooled connections (tests, metrics). */
  idleConnections(): number {
    return this.pool.size();
  }

  close(): void {
    this.closed = true;
    this.pool.closeAll();
    this.h2cSessions?.close();
  }

  private run(req: RawForwardRequest, ex: RawExchange, upgrade: boolean): Promise<RawForwardOutcome> {
    if (this.closed) return Promise.reject(new UpstreamError("refused", "upstream pool closed"));
    let origin: Origin | typeof H2C;
    try {
      origin = this.originOf(req);
    } catch (err) {
      return Promise.reject(err);
    }
    if (origin === H2C) {
      // An upgrade (WebSocket) would need extended CONNECT (RFC 8441) on the backend's HTTP/2.
      if (upgrade) return Promise.reject(new UpstreamError("protocol", "WebSocket to an h2c:// server is not supported"));
      return new Promise((resolve, reject) => this.forwardH2c(req, ex, { answered: resolve, failed: reject }));
    }
    return new Promise((resolve, reject) => new ForwardRun(this, origin, req, ex, upgrade, { answered: resolve, failed: reject }).start());
  }

  acquire(key: string): UpstreamConnection | undefined {
    return this.pool.acquire(key);
  }

  release(key: string, conn: UpstreamConnection): void {
    if (this.closed) conn.close();
    else this.pool.release(key, conn);
  }

  dial(origin: Origin, timeouts: UpstreamTimeouts): Promise<UpstreamConnection> {
    this.dials++;
    return UpstreamConnection.dial({ ...origin.dial, dialTimeoutMs: timeouts.dialTimeoutMs });
  }

  /** How to reach `req.target`, worked out once per URL object: pooled sockets, or H2C. */
  private originOf(req: RawForwardRequest): Origin | typeof H2C {
    const cached = this.origins.get(req.target);
    if (cached !== undefined && cached.tls === req.tls) return cached.origin;
    const url = req.target;
    if (url.protocol === "h2c:") {
      this.origins.set(url, { tls: req.tls, origin: H2C });
      return H2C;
    }
    const https = url.protocol === "https:";
    if (!https && url.protocol !== "http:") throw new UpstreamError("protocol", `unsupported upstream scheme ${url.protocol}`);
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port ? Number(url.port) : https ? 443 : 80;
    let origin: Origin;
    if (!https) {
      origin = { key: `http|${hostname}|${port}`, dial: { hostname, port, tls: false } };
    } else {
      const t = req.tls ?? {};
      const serverName = t.serverName || (IP_LITERAL.test(hostname) ? undefined : hostname);
      // Requests with different TLS settings must not share sockets.
      const tlsKey = Bun.hash(JSON.stringify([t.serverName ?? "", !!t.insecureSkipVerify, t.ca ?? [], t.cert ?? ""]));
      const tls = { serverName, rejectUnauthorized: !t.insecureSkipVerify, ca: t.ca, ...(t.cert ? { cert: t.cert, key: t.key } : {}) };
      origin = { key: `https|${hostname}|${port}|${tlsKey}`, dial: { hostname, port, tls } };
    }
    this.origins.set(req.target, { tls: req.tls, origin });
    return origin;
  }
}
