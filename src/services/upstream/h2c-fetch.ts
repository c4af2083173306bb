// `h2c://` servers on the Request/Response path (SLUICE_FRONT=serve, sticky
// cookies, middlewares that need whole bodies). Same sessions as the raw path
// (h2c-sessions.ts). A Fetch Response has no trailers, so here they are
// dropped: gRPC through such a route loses grpc-status (the raw path, the
// default, keeps them).
import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import { STATUS_CODES } from "node:http";
import { h2cResponseFields, NOT_IN_HTTP2 } from "./h2c-forward.ts";
import { H2cSessions } from "./h2c-sessions.ts";
import { UpstreamError, type UpstreamClient, type UpstreamRequest } from "./types.ts";

const NO_BODY_STATUS = new Set([204, 205, 304]);
const CANCEL = 0x8;

export class H2cFetchClient implements UpstreamClient {
  constructor(private readonly sessions: H2cSessions) {}

  async request(req: UpstreamRequest): Promise<Response> {
    const lease = await this.sessions.acquire(req.target, req.timeouts);
    const headers: OutgoingHttpHeaders = { ":method": req.method, ":scheme": "http", ":path": req.pathAndQuery, ":authority": req.headers.get("host") ?? req.target.host };
    req.headers.forEach((value, name) => {
      // Headers holds the request as Bun.serve gave it, TE included: HTTP/2 takes none of these.
      if (!NOT_IN_HTTP2.has(name) && name !== "te") headers[name] = value;
    });
    let stream: ClientHttp2Stream;
    try {
      stream = lease.session.request(headers, { endStream: req.body === null });
    } catch (err) {
      lease.release();
      throw new UpstreamError("reset", `HTTP/2 request failed: ${(err as Error).message}`);
    }
    const onAbort = () => stream.close(CANCEL);
    req.signal?.addEventListener("abort", onAbort, { once: true });
    stream.on("close", () => {
      lease.release();
      req.signal?.removeEventListener("abort", onAbort);
    });
    return new Promise<Response>((resolve, reject) => {
      let answered = false;
      let timer: ReturnType<typeof setTimeout> | null = null;
      const headTimeout = () => {
        const ms = req.timeouts.responseHeaderTimeoutMs;
        if (ms <= 0 || answered) return;
        timer = setTimeout(() => {
          reject(new UpstreamError("header-timeout", `no response head within ${ms}ms`, true));
          stream.close(CANCEL);
        }, ms);
      };
      stream.on("response", (h: IncomingHttpHeaders) => {
        answered = true;
        if (timer !== null) clearTimeout(timer);
        const status = Number(h[":status"]);
        const body = req.method === "HEAD" || NO_BODY_STATUS.has(status) ? null : bodyOf(stream);
        resolve(new Response(body, { status, statusText: STATUS_CODES[status] ?? "", headers: h2cResponseFields(h) }));
      });
      stream.on("error", (err: Error) => {
        if (!answered) reject(new UpstreamError(req.signal?.aborted ? "aborted" : "reset", `HTTP/2 stream: ${err.message}`));
      });
      stream.on("close", () => {
        if (timer !== null) clearTimeout(timer);
        if (!answered) reject(new UpstreamError(req.signal?.aborted ? "aborted" : "reset", `HTTP/2 stream closed (code ${stream.rstCode ?? "none"}) before the response head`));
      });
      if (req.body === null) headTimeout();
      else sendBody(req.body, stream).then(headTimeout, () => stream.close(CANCEL));
    });
  }

  close(): void {
    this.sessions.close();
  }
}

/** Streams `body` into the HTTP/2 stream, waiting for drain when its buffer is full. */
async function sendBody(body: ReadableStream<Uint8Array>, stream: ClientHttp2Stream): Promise<void> {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (stream.closed) return void reader.cancel();
    if (!stream.write(value)) await new Promise<void>((resolve) => stream.once("drain", resolve).once("close", resolve));
  }
  stream.end();
}

/** The response body as a ReadableStream that pauses the HTTP/2 stream while nobody reads. */
function bodyOf(stream: ClientHttp2Stream): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        stream.on("data", (chunk: Uint8Array) => {
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) stream.pause();
        });
        stream.on("end", () => controller.close());
        stream.on("error", (err: Error) => controller.error(err));
        stream.on("close", () => {
          // A reset after the head: the body is cut, not complete.
          if (stream.rstCode !== undefined && stream.rstCode !== 0) controller.error(new Error(`HTTP/2 stream reset (code ${stream.rstCode})`));
        });
      },
      pull() {
        stream.resume();
      },
      cancel() {
        stream.close(CANCEL);
      },
    },
    { highWaterMark: 256 * 1024, size: (chunk) => chunk?.byteLength ?? 0 },
  );
}

let shared: H2cFetchClient | undefined;

/**
 * One client for every Request-path route to an h2c:// server: sessions are
 * per origin, so the first transport to reach an origin sets its idle and
 * ping timeouts there (the raw path keeps one set of sessions per transport).
 */
export function sharedH2cFetchClient(idleConnTimeoutMs: number): H2cFetchClient {
  return (shared ??= new H2cFetchClient(new H2cSessions({ idleConnTimeoutMs })));
}

/** Idle sessions of health probes close after this. */
const PROBE_IDLE_MS = 90_000;

/**
 * fetch() for `h2c://` URLs, as health checks call it: method, headers and an
 * abort signal (the checker's own timeout); no body, no redirects followed.
 */
export function fetchH2c(url: URL | string, init: { method?: string; headers?: ConstructorParameters<typeof Headers>[0]; signal?: AbortSignal | null } = {}): Promise<Response> {
  const target = new URL(url);
  return sharedH2cFetchClient(PROBE_IDLE_MS).request({
    target,
    method: init.method ?? "GET",
    pathAndQuery: target.pathname + target.search,
    headers: new Headers(init.headers),
    body: null,
    signal: init.signal ?? undefined,
    timeouts: { dialTimeoutMs: 0, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: PROBE_IDLE_MS },
  });
}
