import type { TCPSocketListener } from "bun";
import type { TLSSocket } from "node:tls";
import type { TlsListenerSpec } from "../tls/listener-spec.ts";
import { H2Connection, type H2Transport } from "./h2/connection.ts";
import { stripUntrustedForwardedList } from "./raw/forward-headers.ts";
import { getHeader } from "./raw/header-list.ts";
import { tlsConnectionOf } from "./raw/node-socket.ts";
import type { RawSocket, RawSocketEvents, TlsConnection } from "./raw/raw-socket.ts";
import { SocketOut } from "./raw/socket-out.ts";
import { listenRawTls, type RawTlsListener } from "./raw/tls-listen.ts";
import type { EntryPointConfig } from "../config/static/types.ts";
import { EntryPointBase } from "./entrypoint-base.ts";
import type { MatchInput } from "../router/rule/index.ts";
import type { EntryPointDeps } from "./entrypoint.ts";
import type { ConnInfo, Handler } from "./handler.ts";
import { rawAnswer, rawNotFound } from "./raw/answers-raw.ts";
import { listenRaw, TimeoutSweep, type Connection, type RawExchange } from "./raw/connection.ts";
import type { HeaderList } from "./raw/http1-head.ts";
import { requestFromExchange, writeResponse } from "./raw/request-bridge.ts";
import type { RequestContext } from "./request-context.ts";
import { escapeRawBytes, matchHost, splitRequestUrl } from "./request-target.ts";
import { wallMs } from "./wall-clock.ts";

// Bun's idle timer is capped at 255 s.
const MAX_IDLE_SECONDS = 255;

/**
 * An entrypoint on the raw HTTP/1.1 front (our strict parser). Routes whose
 * middlewares all have raw forms are forwarded on the fast path, straight
 * between sockets; the rest go through a Request/Response bridge. Plain HTTP
 * listens with Bun.listen; TLS with node:tls (certificates swapped in place
 * by the SNI callback), where HTTP/2 streams (ALPN h2) are served through the
 * same request path.
 */
export class RawEntryPoint extends EntryPointBase {
  private listener: TCPSocketListener<Connection> | RawTlsListener | null = null;
  private readonly h2Connections = new Set<H2Connection>();
  /** readTimeout and writeTimeout: one sweep for this entrypoint's HTTP/1.1 connections and HTTP/2 streams. */
  private timeouts: TimeoutSweep | null = null;

  constructor(name: string, config: EntryPointConfig, private readonly deps: EntryPointDeps, tls?: TlsListenerSpec) {
    super(name, config, tls);
  }

  async start(): Promise<void> {
    const opts = {
      hostname: this.config.host || "0.0.0.0",
      port: this.config.port,
      idleTimeoutSec: this.idleTimeoutSec(),
      onRequest: (ex: RawExchange) => this.handle(ex),
      onRejected: (status: number, reason: string, remote: string) => this.rejected(status, reason, remote),
      readTimeoutMs: this.config.transport.respondingTimeouts.readTimeoutMs,
      keepAliveMaxRequests: this.config.transport.keepAliveMaxRequests,
      keepAliveMaxTimeMs: this.config.transport.keepAliveMaxTimeMs,
      // Go has one limit for the request line and fields together.
      ...(this.config.http.maxHeaderBytes ? { limits: { maxHeadBytes: this.config.http.maxHeaderBytes, maxRequestLineBytes: this.config.http.maxHeaderBytes } } : {}),
      writeTimeoutMs: this.config.transport.respondingTimeouts.writeTimeoutMs,
    };
    this.timeouts = new TimeoutSweep(opts);
    const shared = { ...opts, timeouts: this.timeouts };
    if (!this.tls) {
      // HTTP/2 with prior knowledge (h2c) beside HTTP/1.1, as Traefik serves plain entrypoints.
      this.listener = listenRaw({ ...shared, onH2c: (socket, first) => this.h2cConnection(socket, first) });
      this.boundPort = this.listener.port;
      return;
    }
    this.listener = await listenRawTls({ ...shared, spec: this.tls, onHttp2: (socket) => this.http2Connection(socket) });
    this.boundPort = this.listener.port;
  }

  private idleTimeoutSec(): number {
    const idle = Math.round(this.config.transport.respondingTimeouts.idleTimeoutMs / 1000);
    return Math.min(MAX_IDLE_SECONDS, Math.max(1, idle));
  }

  /** New certificates or TLS options; false when only a new listener can apply them. */
  updateTls(spec: TlsListenerSpec): boolean {
    if (!this.tls || spec.fingerprint === this.tls.fingerprint) return true;
    const listener = this.listener as RawTlsListener | null;
    if (listener && !listener.update(spec)) return false;
    this.tls = spec;
    return true;
  }

  /** Our HTTP/2 server on one connection, registered for timeouts and shutdown. */
  private h2Connection(transport: H2Transport, remoteAddress: string, remotePort: number, tls: TlsConnection | undefined): H2Connection {
    const conn = new H2Connection(transport, {
      onStream: (stream) => this.handle(stream),
      onRejected: (status, reason, addr) => this.rejected(status, reason, addr),
      remoteAddress,
      remotePort,
      tls,
      maxConcurrentStreams: this.config.http2.maxConcurrentStreams,
      headerTableSize: this.config.http2.maxDecoderHeaderTableSize,
      ...(this.config.http.maxHeaderBytes ? { maxHeaderListSize: this.config.http.maxHeaderBytes } : {}),
    });
    this.h2Connections.add(conn);
    this.timeouts?.add(conn);
    return conn;
  }

  private h2Closed(conn: H2Connection): void {
    this.h2Connections.delete(conn);
    this.timeouts?.delete(conn);
    conn.closedByPeer();
  }

  /** A TLS connection that chose h2 by ALPN: our HTTP/2 server on it. */
  private http2Connection(socket: TLSSocket): void {
    const remote = (socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    const transport: H2Transport = { write: (data) => socket.write(data), end: () => socket.end(), destroy: () => socket.destroy() };
    const conn = this.h2Connection(transport, remote, socket.remotePort ?? 0, tlsConnectionOf(socket));
    // Idle connections (no stream open) close after the entrypoint's idleTimeout, with a GOAWAY.
    socket.setTimeout(this.idleTimeoutSec() * 1000);
    socket.on("data", (chunk: Buffer) => conn.onData(chunk));
    socket.on("drain", () => conn.drained());
    socket.on("timeout", () => conn.idle());
    socket.on("close", () => this.h2Closed(conn));
    // "close" follows every error.
    socket.on("error", () => {});
  }

  /**
   * A plain connection that opened with the HTTP/2 preface (h2c with prior
   * knowledge): our HTTP/2 server on the Bun socket, whose writes are queued
   * by a SocketOut (a Bun socket takes what it can; the rest waits for drain).
   */
  private h2cConnection(socket: RawSocket, first: Uint8Array): RawSocketEvents {
    // drained() is only called on a later drain event, when h2 exists.
    const out = new SocketOut(socket, () => h2.drained(), true);
    const transport: H2Transport = { write: (data) => out.write(data), end: () => out.end(), destroy: () => socket.terminate() };
    const h2 = this.h2Connection(transport, socket.remoteAddress, socket.remotePort ?? 0, undefined);
    socket.timeout(this.idleTimeoutSec());
    h2.onData(first);
    return {
      onData: (chunk) => h2.onData(chunk),
      onDrain: () => out.drain(),
      onPeerEnd: () => out.end(),
      onTimeout: () => h2.idle(),
      onClose: () => {
        out.close();
        this.h2Closed(h2);
      },
    };
  }

  /** Stop accepting; wait for in-flight requests unless `force`. */
  async stop(force = false): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    listener.stop(force);
    this.timeouts?.stop();
    // HTTP/2 clients get a GOAWAY: no new streams, the open ones finish.
    for (const c of this.h2Connections) force ? c.destroy() : c.shutdown();
    // Bounded by the caller (graceTimeOut), which then calls stop(true).
    while (!force && this.inFlight > 0) await Bun.sleep(20);
    if (!force) listener.stop(true);
  }

  /** A malformed request the parser answered (400, 413, 431, 501...): log and count it too. */
  private rejected(status: number, reason: string, remote: string): void {
    const now = performance.now();
    this.deps.observer.finished({
      startMs: Date.now(), startHr: now, durationMs: 0, entryPoint: this.name, clientAddr: remote, clientHost: remote,
      clientPort: 0, method: "-", host: "", path: "-", protocol: "HTTP/1.1", scheme: this.scheme, requestContentSize: 0,
      downstreamStatus: status, downstreamContentSize: reason.length + 1, retryAttempts: 0, requestHeaderList: [], error: reason,
    });
  }

  private handle(ex: RawExchange): void {
    const head = ex.head;
    const target = splitRequestUrl(head.path);
    const startHr = ex.arrivedAt || performance.now();
    const ctx: RequestContext = {
      startMs: wallMs(startHr),
      startHr,
      entryPoint: this.name,
      clientAddr: ex.remoteAddrPort ?? ex.remoteAddress,
      clientHost: ex.remoteAddress,
      clientPort: ex.remotePort ?? 0,
      method: head.method,
      host: head.host,
      path: target.pathAndQuery,
      protocol: ex.protocol ?? (head.version === "1.0" ? "HTTP/1.0" : "HTTP/1.1"),
      scheme: this.scheme,
      tls: ex.tls,
      requestContentSize: head.body === "length" ? head.contentLength : 0,
      downstreamStatus: 0,
      downstreamContentSize: 0,
      retryAttempts: 0,
      requestHeaderList: head.headers,
    };
    this.inFlight++;
    let finished = false;
    const done = (now?: number) => {
      if (finished) return;
      finished = true;
      this.inFlight--;
      ctx.durationMs = (now ?? performance.now()) - ctx.startHr;
      this.deps.observer.finished(ctx);
    };
    // Before routing and middlewares, as Traefik: what only a trusted peer may send.
    stripUntrustedForwardedList(head.headers, ex.remoteAddress, this.trust);
    const input = new HeadMatchInput(matchHost(head.host), target.path, head.method, head.headers, target.query, ex.remoteAddress);
    const route = this.deps.current().muxer(this.name)?.match(input);
    if (!route) {
      rawNotFound(ex, ctx);
      return done();
    }
    ctx.routerName = route.name;
    ctx.serviceName = route.value.serviceName;
    this.deps.observer.started?.(ctx);
    const conn: ConnInfo = {
      clientIp: ex.remoteAddress,
      clientPort: ctx.clientPort,
      entryPoint: this.name,
      entryPointPort: this.port,
      scheme: this.scheme,
      tls: ex.tls,
      trust: this.trust,
    };
    const raw = route.value.raw;
    if (raw) {
      try {
        raw(ex, ctx, conn, done);
      } catch (err) {
        handlerFailed(ex, ctx, err, done);
      }
      return;
    }
    this.slowPath(ex, ctx, conn, route.value.handler).then(() => done(), (err: unknown) => handlerFailed(ex, ctx, err, done));
  }

  /** Routes with middlewares or internal handlers: through a Request and a Response. */
  private async slowPath(ex: RawExchange, ctx: RequestContext, conn: ConnInfo, handler: Handler): Promise<void> {
    const req = requestFromExchange(ex, `${this.scheme}://${ex.head.host || "localhost"}${escapeRawBytes(ctx.path)}`);
    const res = await handler(req, ctx, conn);
    ctx.downstreamStatus = res.status;
    ctx.downstreamContentSize = await writeResponse(ex, res);
  }
}

/** A route handler threw: 500 unless the client is gone (no closure per request for this rare case). */
function handlerFailed(ex: RawExchange, ctx: RequestContext, err: unknown, done: () => void): void {
  if (!ex.aborted) rawAnswer(ex, ctx, 500, "Internal Server Error", `handler failed: ${(err as Error)?.message ?? err}`);
  done();
}

/** The router's view of a parsed request head (a class: header() on the prototype, no closure per request). */
class HeadMatchInput implements MatchInput {
  constructor(
    readonly host: string,
    readonly path: string,
    readonly method: string,
    private readonly headers: HeaderList,
    readonly query: string,
    readonly clientIP: string,
  ) {}

  header(name: string): string | null {
    return getHeader(this.headers, name);
  }
}
