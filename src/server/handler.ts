import type { Server } from "bun";
import type { ForwardedTrust } from "./forwarded-headers.ts";
import type { RawExchange } from "./raw/connection.ts";
import type { TlsConnection } from "./raw/raw-socket.ts";
import type { RequestContext } from "./request-context.ts";

/** What the request path knows about the connection a request came on. */
export interface ConnInfo {
  /** The Bun.serve server (for WebSocket upgrades); absent on the raw front. */
  server?: Server<unknown>;
  clientIp: string;
  clientPort: number;
  entryPoint: string;
  entryPointPort: number;
  scheme: "http" | "https";
  /** The entrypoint's forwardedHeaders trust. */
  trust: ForwardedTrust;
  /** TLS facts of the connection (raw front); the client certificate for passTLSClientCert. */
  tls?: TlsConnection;
}

/** One step of the request path: answers a request, possibly by calling the next step. */
export type Handler = (req: Request, ctx: RequestContext, conn: ConnInfo) => Promise<Response> | Response;

/** A middleware wraps the next handler once, at compile time. */
export type Middleware = (next: Handler) => Handler;

/**
 * A route handler on the raw front: answers straight on the exchange and
 * calls `done` once the response is over (with a performance.now() reading
 * when it has one: saves a clock read). Callback style: on tiny responses a
 * Promise per request measured ~3% of throughput.
 */
export type RawRouteHandler = (ex: RawExchange, ctx: RequestContext, conn: ConnInfo, done: (now?: number) => void) => void;

/**
 * A middleware's raw-front form: works on the RawExchange (request head as a
 * header list, response head through RawExchange.onResponseHead) so a route
 * whose middlewares all have one keeps the socket-to-socket fast path.
 */
export type RawMiddleware = (next: RawRouteHandler) => RawRouteHandler;
