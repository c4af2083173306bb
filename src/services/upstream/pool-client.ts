// UpstreamClient on raw Bun.connect sockets with per-origin keep-alive pools.
// Measured ~1.5x the throughput of fetch (which hops to a separate HTTP
// thread); see /work/shared/notes/bun-facts.md.
import { UpstreamConnection, type DialOptions } from "./connection.ts";
import { Exchange } from "./exchange.ts";
import { ConnectionPool } from "./pool.ts";
import { DEFAULT_MAX_HEAD_BYTES } from "./response-parser.ts";
import { UpstreamError, type UpstreamClient, type UpstreamRequest, type UpstreamTlsOptions } from "./types.ts";

export interface PooledClientOptions {
  /** Idle keep-alive sockets kept per origin (Traefik's default is 200; 0 means Go's default, 2). */
  maxIdleConnsPerHost?: number;
  /** Idle sockets are closed after this (default 90 s, as Traefik). */
  idleConnTimeoutMs?: number;
  /** Response heads larger than this are a protocol error (default 64 KiB). */
  maxHeadBytes?: number;
}

interface Origin {
  key: string;
  dial: Omit<DialOptions, "dialTimeoutMs" | "signal">;
}

const NO_TLS: UpstreamTlsOptions = {};
const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

export class PooledUpstreamClient implements UpstreamClient {
  private readonly pool: ConnectionPool;
  private readonly maxHeadBytes: number;
  private readonly tlsKeys = new WeakMap<UpstreamTlsOptions, string>();
  private closed = false;

  constructor(opts: PooledClientOptions = {}) {
    const max = opts.maxIdleConnsPerHost ?? 200;
    this.pool = new ConnectionPool({
      maxIdleConnsPerHost: max === 0 ? 2 : Math.max(max, 0),
      idleConnTimeoutMs: opts.idleConnTimeoutMs ?? 90_000,
    });
    this.maxHeadBytes = opts.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES;
  }

  async request(req: UpstreamRequest): Promise<Response> {
    if (this.closed) throw new UpstreamError("refused", "upstream client closed");
    if (req.signal?.aborted) throw new UpstreamError("aborted", "client aborted the request");
    const origin = this.originOf(req);
    const pooled = this.pool.acquire(origin.key);
    const conn = pooled ?? (await this.dial(origin, req));
    const exchange = new Exchange(conn, req, (c) => this.release(origin.key, c), this.maxHeadBytes);
    try {
      return await exchange.run();
    } catch (err) {
      // A reused socket the upstream closed just as we wrote: one retry on a fresh one.
      if (!pooled || !exchange.retryable || !(err instanceof UpstreamError) || err.kind !== "reset") throw err;
      const fresh = await this.dial(origin, req);
      return await new Exchange(fresh, req, (c) => this.release(origin.key, c), this.maxHeadBytes).run();
    }
  }

  /** Idle pooled connections (for tests and metrics). */
  idleConnections(): number {
    return this.pool.size();
  }

  close(): void {
    this.closed = true;
    this.pool.closeAll();
  }

  private release(key: string, conn: UpstreamConnection): void {
    if (this.closed) conn.close();
    else this.pool.release(key, conn);
  }

  private dial(origin: Origin, req: UpstreamRequest): Promise<UpstreamConnection> {
    return UpstreamConnection.dial({ ...origin.dial, dialTimeoutMs: req.timeouts.dialTimeoutMs, signal: req.signal });
  }

  private originOf(req: UpstreamRequest): Origin {
    const url = req.target;
    const https = url.protocol === "https:";
    if (!https && url.protocol !== "http:") throw new UpstreamError("protocol", `unsupported upstream scheme ${url.protocol}`);
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port ? Number(url.port) : https ? 443 : 80;
    if (!https) return { key: `http|${hostname}|${port}`, dial: { hostname, port, tls: false } };
    const t = req.tls ?? NO_TLS;
    const serverName = t.serverName || (IP_LITERAL.test(hostname) ? undefined : hostname);
    const tls = { serverName, rejectUnauthorized: !t.insecureSkipVerify, ca: t.ca, ...(t.cert ? { cert: t.cert, key: t.key } : {}) };
    return { key: `https|${hostname}|${port}|${this.tlsKey(t)}`, dial: { hostname, port, tls } };
  }

  /** Requests with different TLS settings must not share sockets. */
  private tlsKey(t: UpstreamTlsOptions): string {
    let key = this.tlsKeys.get(t);
    if (key === undefined) {
      key = String(Bun.hash(JSON.stringify([t.serverName ?? "", !!t.insecureSkipVerify, t.ca ?? [], t.cert ?? ""])));
      this.tlsKeys.set(t, key);
    }
    return key;
  }
}
