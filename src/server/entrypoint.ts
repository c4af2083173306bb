import type { Server } from "bun";
import type { EntryPointConfig } from "../config/static/types.ts";
import { EntryPointBase } from "./entrypoint-base.ts";
import type { MatchInput } from "../router/rule/index.ts";
import { websocketHandler, type BridgeData } from "../services/websocket-bridge.ts";
import { answer, badRequest, notFound } from "./answers.ts";
import { stripUntrustedForwarded } from "./forwarded-headers.ts";
import type { Generation } from "./generation.ts";
import type { ConnInfo } from "./handler.ts";
import { observeResponse, type RequestObserver } from "./observer.ts";
import type { RequestContext } from "./request-context.ts";
import { matchHost, splitRequestUrl } from "./request-target.ts";
import { bunTlsEntries, type TlsListenerSpec } from "../tls/listener-spec.ts";
import { addrPort } from "./raw/connection.ts";

export interface EntryPointDeps {
  /** The live generation; read once per request. */
  current(): Generation;
  observer: RequestObserver;
}

// Bun caps idleTimeout at 255 s.
const MAX_BUN_IDLE_SECONDS = 255;

/**
 * One named listener. Owns its Bun.serve; routing comes from the live generation.
 * With a TLS spec it terminates TLS (SNI table, HTTP/2 by ALPN). Bun cannot
 * change certificates of a running server, so new certificates mean a new
 * Bun.serve on the same port (SO_REUSEPORT), after which the old one stops
 * gracefully: new handshakes get the new table, requests in flight finish.
 */
export class EntryPoint extends EntryPointBase {
  private server: Server<BridgeData> | null = null;
  /** Servers replaced by a TLS swap, still finishing their requests. */
  private readonly retiring = new Set<Server<BridgeData>>();

  constructor(name: string, config: EntryPointConfig, private readonly deps: EntryPointDeps, tls?: TlsListenerSpec) {
    super(name, config, tls);
  }

  start(): void {
    this.server = this.listen(this.config.port);
    this.boundPort = this.server.port ?? this.config.port;
  }

  /** Serve `spec` to new handshakes from now on: a new listener on the same port, the old one drains. */
  updateTls(spec: TlsListenerSpec): boolean {
    if (!this.tls || spec.fingerprint === this.tls.fingerprint) return true;
    this.tls = spec;
    const old = this.server;
    if (!old) return true;
    this.server = this.listen(this.boundPort);
    this.retiring.add(old);
    const grace = this.config.transport.lifeCycle.graceTimeOutMs;
    const forced = setTimeout(() => void old.stop(true), grace);
    void old.stop(false).finally(() => {
      clearTimeout(forced);
      this.retiring.delete(old);
    });
    return true;
  }

  private listen(port: number): Server<BridgeData> {
    const idle = this.config.transport.respondingTimeouts.idleTimeoutMs / 1000;
    const tls = this.tls;
    return Bun.serve<BridgeData>({
      hostname: this.config.host || "0.0.0.0",
      port,
      ...(tls ? { tls: bunTlsEntries(tls), http2: tls.http2, reusePort: true } : {}),
      development: false,
      // Uploads stream through; the body limit is the backend's business (or a buffering middleware's).
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      idleTimeout: Math.min(MAX_BUN_IDLE_SECONDS, Math.max(0, Math.round(idle))),
      fetch: (req, server) => this.handle(req, server),
      websocket: websocketHandler,
      error: (err: Error) => new Response(`Internal Server Error\n`, { status: 500, headers: { "x-sluice-error": err.name } }),
    });
  }

  /** Stop accepting; in-flight requests finish unless `force`. */
  async stop(force = false): Promise<void> {
    await Promise.all([this.server?.stop(force), ...[...this.retiring].map((s) => s.stop(force))]);
  }

  private handle(req: Request, server: Server<BridgeData>): Response | Promise<Response> | undefined {
    const gen = this.deps.current();
    const addr = server.requestIP(req);
    const hostHeader = req.headers.get("host") ?? "";
    const target = splitRequestUrl(req.url);
    const ctx: RequestContext = {
      startMs: Date.now(),
      startHr: performance.now(),
      entryPoint: this.name,
      clientAddr: addr ? addrPort(addr.address, addr.port) : "",
      clientHost: addr?.address ?? "",
      clientPort: addr?.port ?? 0,
      method: req.method,
      host: hostHeader,
      path: target.pathAndQuery,
      protocol: "HTTP/1.1",
      scheme: this.scheme,
      requestContentSize: Number(req.headers.get("content-length") ?? 0) || 0,
      downstreamStatus: 0,
      downstreamContentSize: 0,
      retryAttempts: 0,
      requestHeaders: req.headers,
    };
    this.inFlight++;
    const done = () => {
      this.inFlight--;
      ctx.durationMs = performance.now() - ctx.startHr;
      this.deps.observer.finished(ctx);
    };
    // Duplicate Host headers arrive joined by Bun; RFC 9112 3.2 says 400.
    if (hostHeader.includes(",")) return observeResponse(badRequest(ctx, "several Host headers"), ctx, done);
    if (req.method === "CONNECT") return observeResponse(answer(ctx, 501, "Not Implemented", "CONNECT is not supported"), ctx, done);
    // Before routing and middlewares, as Traefik: what only a trusted peer may send.
    stripUntrustedForwarded(req.headers, ctx.clientHost, this.trust);
    if (this.tls?.strictNames && !this.tls.strictNames.get(matchHost(hostHeader))) {
      return observeResponse(answer(ctx, 421, "Misdirected Request", "sniStrict: no certificate for this host"), ctx, done);
    }

    const conn: ConnInfo = {
      server: server as Server<unknown>,
      clientIp: ctx.clientHost,
      clientPort: ctx.clientPort,
      entryPoint: this.name,
      entryPointPort: this.port,
      scheme: this.scheme,
      trust: this.trust,
    };
    const input: MatchInput = {
      host: matchHost(hostHeader),
      path: target.path,
      method: req.method,
      header: (name) => req.headers.get(name),
      query: target.query,
      clientIP: ctx.clientHost,
    };
    const route = gen.muxer(this.name)?.match(input);
    if (!route) return observeResponse(notFound(ctx), ctx, done);
    ctx.routerName = route.name;
    ctx.serviceName = route.value.serviceName;
    this.deps.observer.started?.(ctx);
    let result: Response | Promise<Response> | undefined;
    try {
      result = route.value.handler(req, ctx, conn);
    } catch (err) {
      return observeResponse(internalError(ctx, err), ctx, done);
    }
    if (result instanceof Promise) {
      return result.then(
        (res) => {
          // Bun's idle timer would cut a streamed body that pauses longer than
          // idleTimeout (SSE, long polls); upstream timeouts bound those instead.
          // Not needed while waiting for the head, and it costs ~10% on tiny responses.
          if (ctx.streamedResponse) server.timeout(req, 0);
          return finishResponse(res, ctx, done);
        },
        (err) => observeResponse(internalError(ctx, err), ctx, done),
      ) as Promise<Response>;
    }
    return finishResponse(result, ctx, done);
  }
}

function finishResponse(res: Response | undefined, ctx: RequestContext, done: () => void): Response {
  if (res === undefined) {
    // Upgraded to a WebSocket: the request is over for logging purposes.
    ctx.downstreamStatus = 101;
    done();
    return undefined as unknown as Response;
  }
  ctx.downstreamStatus = res.status;
  return observeResponse(res, ctx, done);
}

function internalError(ctx: RequestContext, err: unknown): Response {
  return answer(ctx, 500, "Internal Server Error", `handler failed: ${err instanceof Error ? err.message : String(err)}`);
}
