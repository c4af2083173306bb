// A plain-HTTP/1.1 front on Bun.listen: each request is parsed strictly
// (http1-parser.ts) and handed to a callback as a RawExchange; responses are
// framed by ResponseWriter. Requests on one connection are answered in order:
// the parser pauses after each request until its response has ended.
// Not wired into Sluice yet; measured through scripts/path-compare.ts (mode conn-pool).
import type { Socket, TCPSocketListener } from "bun";
import type { RawSocket, RawSocketEvents, TlsConnection } from "./raw-socket.ts";
import { Http1RequestParser, HttpParseError, type HeaderList, type ParserLimits, type RequestHead } from "./http1-parser.ts";
import { FieldBlock, fieldList, type Fields } from "./http1-head.ts";
import { ResponseWriter, type ResponseFraming } from "./response-writer.ts";
import { SocketOut } from "./socket-out.ts";

/** Read no more from a client while this much parsed-but-unconsumed input waits. */
const MAX_BUFFERED_INPUT = 64 * 1024;

export interface RawExchange {
  readonly head: RequestHead;
  /** performance.now() when the request head arrived, when the front knows it (saves a clock read). */
  readonly arrivedAt?: number;
  /** For logs and metrics when not HTTP/1.x ("HTTP/2.0" for HTTP/2 streams). */
  readonly protocol?: string;
  /** Set when the request came over TLS. */
  readonly tls?: TlsConnection;
  readonly remoteAddress: string;
  /** The peer's port, 0 when unknown; and "ip:port" ("[ip]:port" for IPv6) for the access log's ClientAddr. */
  readonly remotePort?: number;
  readonly remoteAddrPort?: string;
  /**
   * Starts delivery of the request body (sends 100 Continue when asked for).
   * onChunk may return `true` when it is done with the chunk (its bytes were
   * written out, nothing keeps it): the front may then free that memory at once.
   * Any other return value (none, or e.g. a push() count) keeps it alive.
   */
  readBody(onChunk: (chunk: Uint8Array) => unknown, onEnd: (trailers: HeaderList | null) => void): void;
  /** Body backpressure: stop/restart reading the client. */
  pauseBody(): void;
  resumeBody(): void;
  /** `headers` may be a FieldBlock (validated upstream text, written as is unless a hook needs a list). */
  writeHead(status: number, reason: string, headers: Fields, framing?: ResponseFraming): void;
  /** Runs `hook` on the response head just before it is written (middlewares adding headers); the last added runs first. */
  onResponseHead(hook: ResponseHeadHook): void;
  /**
   * False when the client is slow: wait for onDrain before writing more.
   * `headroom`: bytes just before `chunk` in its buffer that are spent and
   * referenced by nothing else; the head may be written there, so head and
   * body leave in one write (see RawResponseSink.onBody).
   */
  write(chunk: Uint8Array, headroom?: number): boolean;
  /**
   * True when a write() that returned true has copied the bytes out (Bun's
   * sockets write synchronously to the kernel), so the caller may free a chunk
   * it owns right after. Not true of node:tls sockets or HTTP/2 streams, which
   * keep references to queued chunks.
   */
  readonly copiesOnWrite?: boolean;
  end(chunk?: Uint8Array, trailers?: HeaderList): void;
  onDrain: (() => void) | null;
  /** The client went away or sent a broken body before the response ended. */
  onAbort: ((reason: string) => void) | null;
  readonly aborted: boolean;
  /** Closes the client connection at once (e.g. the upstream failed mid-response): the client sees a cut response. onAbort is not called. */
  destroy(reason: string): void;
  /** After a 101: detaches the socket from HTTP parsing and hands it over for raw bytes both ways. */
  takeOver(): RawTunnelSocket;
}

/** The client socket of an upgraded connection (see RawExchange.takeOver). */
export interface RawTunnelSocket {
  /** False when bytes were queued: wait for the drain handler. */
  write(bytes: Uint8Array): boolean;
  /** Client bytes (including any sent after the upgrade request), drain, and close (once). */
  listen(handlers: { data(chunk: Uint8Array): void; drain(): void; close(): void }): void;
  pause(): void;
  resume(): void;
  /** Closes once queued bytes are out. */
  end(): void;
}

export type RawRequestHandler = (exchange: RawExchange) => void;

export type ResponseHeadHook = ((status: number, headers: HeaderList) => void) & {
  /**
   * Set when the hook's whole effect on a head that names none of the fields
   * `touches` matches is appending `lines` (whatever the status): the raw
   * exchange then keeps the backend's lines as they came and appends these,
   * instead of turning the head into a list.
   */
  appends?: { touches: RegExp; lines: string };
};

/** Runs the hooks of RawExchange.onResponseHead (shared by both exchange kinds). */
export function runResponseHeadHooks(hooks: ResponseHeadHook[], status: number, headers: HeaderList): void {
  // Inner middlewares registered last: they see the response first, as it flows out.
  for (let i = hooks.length - 1; i >= 0; i--) hooks[i](status, headers);
}

/**
 * The lines the hooks would add to `headers`, when all of them only append
 * to a head like it (see ResponseHeadHook.appends); null when the head must
 * become a list for them. Run in the hooks' order, each checked against the
 * received lines and what the ones before it added.
 */
function appendedLines(hooks: ResponseHeadHook[], headers: Fields): string | null {
  if (!(headers instanceof FieldBlock)) return null;
  let lines = "";
  for (let i = hooks.length - 1; i >= 0; i--) {
    const a = hooks[i].appends;
    if (a === undefined || a.touches.test(headers.text) || (lines.length > 0 && a.touches.test(lines))) return null;
    lines += a.lines;
  }
  return lines;
}

export interface RawServerOptions {
  hostname: string;
  port: number;
  onRequest: RawRequestHandler;
  limits?: Partial<ParserLimits>;
  /** Idle keep-alive connections close after this many seconds (default 10). */
  idleTimeoutSec?: number;
  /** A request this front answered itself because it was malformed (for logs and metrics). */
  onRejected?: (status: number, reason: string, remoteAddress: string) => void;
  /**
   * entryPoints.<n>.transport.respondingTimeouts.readTimeout: the whole request
   * (head and body) must arrive within this, as Go's ReadTimeout; 0 = no limit.
   * Guards against slow-loris clients that the idle timer alone lets through.
   */
  readTimeoutMs?: number;
  /**
   * respondingTimeouts.writeTimeout: from the end of the request head to the
   * end of the response, as Go's WriteTimeout; past it the connection is cut.
   * 0 = no limit (a slow but live stream is never cut by default).
   */
  writeTimeoutMs?: number;
  /** transport.keepAliveMaxRequests / keepAliveMaxTime: the response that reaches either says Connection: close. 0 = no limit. */
  keepAliveMaxRequests?: number;
  keepAliveMaxTimeMs?: number;
  /**
   * HTTP/2 with prior knowledge (h2c, RFC 9113 §3.3): a connection whose
   * first bytes are the HTTP/2 preface is handed over with them; the
   * returned handlers then get the socket's events. Unset: the preface is
   * parsed as HTTP/1.1 and refused (505).
   */
  onH2c?: (socket: RawSocket, first: Uint8Array) => RawSocketEvents;
  /** readTimeout/writeTimeout checks shared with the caller, who stops them; else the listener makes its own. */
  timeouts?: TimeoutSweep;
}

/** "PRI * HTTP/2.0\r\n": the start of the HTTP/2 connection preface, enough to tell it from HTTP/1.1. */
const H2_PREFACE_START = Buffer.from("PRI * HTTP/2.0\r\n", "latin1");

function startsWithH2Preface(chunk: Uint8Array): boolean {
  if (chunk.length < H2_PREFACE_START.length) return false;
  for (let i = 0; i < H2_PREFACE_START.length; i++) if (chunk[i] !== H2_PREFACE_START[i]) return false;
  return true;
}

const REASONS: Record<number, string> = { 400: "Bad Request", 408: "Request Timeout", 413: "Content Too Large", 414: "URI Too Long", 417: "Expectation Failed", 431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented", 505: "HTTP Version Not Supported" };

class Exchange implements RawExchange {
  onDrain: (() => void) | null = null;
  onAbort: ((reason: string) => void) | null = null;
  aborted = false;
  bodyDone = false;
  /** Body bytes that arrived before readBody (made only then: most requests have no body). */
  private bodyQueue: Uint8Array[] | null = null;
  private queuedBytes = 0;
  private onChunk: ((chunk: Uint8Array) => unknown) | null = null;
  private onBodyEnd: ((trailers: HeaderList | null) => void) | null = null;
  private trailers: HeaderList | null = null;
  readonly writer: ResponseWriter;

  constructor(
    readonly conn: Connection,
    readonly head: RequestHead,
    readonly remoteAddress: string,
    readonly arrivedAt: number,
  ) {
    this.writer = new ResponseWriter(conn.out, head.method, head.version, head.keepAlive);
  }

  get remotePort(): number {
    return this.conn.remotePort;
  }

  get remoteAddrPort(): string {
    return this.conn.remoteAddrPort;
  }

  get tls(): TlsConnection | undefined {
    return this.conn.socket.tls;
  }

  get copiesOnWrite(): boolean {
    return this.conn.ownsInput;
  }

  readBody(onChunk: (chunk: Uint8Array) => unknown, onEnd: (trailers: HeaderList | null) => void): void {
    if (this.head.expectContinue && !this.writer.started && !this.bodyDone) this.conn.out.write(CONTINUE);
    this.onChunk = onChunk;
    this.onBodyEnd = onEnd;
    const queued = this.bodyQueue;
    this.bodyQueue = null;
    const wasFull = this.queuedBytes > MAX_BUFFERED_INPUT;
    this.queuedBytes = 0;
    if (queued !== null) for (const chunk of queued) onChunk(chunk);
    if (this.bodyDone) onEnd(this.trailers);
    else if (wasFull) this.resumeBody();
  }

  /** True when the reader is done with `chunk` (see readBody). */
  deliver(chunk: Uint8Array): boolean {
    if (this.onChunk) return this.onChunk(chunk) === true;
    // Nobody reads yet: hold a little, then stop reading the client.
    (this.bodyQueue ??= []).push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > MAX_BUFFERED_INPUT) this.pauseBody();
    return false;
  }

  finishBody(trailers: HeaderList | null): void {
    this.bodyDone = true;
    this.trailers = trailers;
    this.onBodyEnd?.(trailers);
  }

  pauseBody(): void {
    this.conn.parser.pause();
    this.conn.pauseReading();
  }

  resumeBody(): void {
    this.conn.resumeReading();
    this.conn.parser.resume();
  }

  private headHooks: ResponseHeadHook[] | null = null;

  onResponseHead(hook: ResponseHeadHook): void {
    (this.headHooks ??= []).push(hook);
  }

  writeHead(status: number, reason: string, headers: Fields, framing?: ResponseFraming): void {
    const hooks = this.headHooks;
    let extraLines = "";
    if (hooks) {
      this.headHooks = null;
      const appended = appendedLines(hooks, headers);
      if (appended !== null) extraLines = appended;
      else {
        headers = fieldList(headers);
        runResponseHeadHooks(hooks, status, headers);
      }
    }
    // An unread request body cannot stay on a keep-alive connection.
    if (!this.bodyDone && this.head.body !== "none") this.writer.keepAlive = false;
    this.writer.writeHead(status, reason, headers, framing, extraLines);
  }

  write(chunk: Uint8Array, headroom = 0): boolean {
    return this.aborted ? false : this.writer.write(chunk, headroom);
  }

  end(chunk?: Uint8Array, trailers?: HeaderList): void {
    if (this.aborted || this.writer.finished) return;
    if (!this.writer.started) this.writeHead(200, "OK", [], { contentLength: chunk?.length ?? 0 });
    this.writer.end(chunk, trailers);
    this.conn.responseEnded(this);
  }

  abort(reason: string): void {
    if (this.aborted || this.writer.finished) return;
    this.aborted = true;
    this.onAbort?.(reason);
  }

  destroy(_reason: string): void {
    if (this.aborted) return;
    this.aborted = true;
    this.conn.closing = true;
    this.conn.socket.terminate();
  }

  takeOver(): RawTunnelSocket {
    const conn = this.conn;
    conn.closing = true;
    conn.parser.pause();
    // Bytes an earlier response left in the write batch go before the tunnel's (which writes the 101 itself).
    conn.out.flushBatched();
    this.writer.started = this.writer.finished = true;
    // Bytes the client sent after the upgrade head wait in the parser's buffer
    // (it paused after the head). Read through a cast: the parser has no accessor for them.
    const p = conn.parser as unknown as { buf: Buffer; pos: number };
    const early = conn.parser.buffered > 0 ? Buffer.from(p.buf.subarray(p.pos)) : null;
    const tunnel = new TakenOverSocket(conn.socket, early);
    // The socket's event handlers call socket.data.onData/onDrain/...: they now reach the tunnel.
    conn.socket.data = tunnel;
    conn.socket.timeout(0);
    if (conn.readPaused) conn.resumeReading();
    return tunnel;
  }
}

/** Socket events of an upgraded connection, in the shape listenRaw calls them. */
class TakenOverSocket implements RawTunnelSocket {
  private readonly out: SocketOut;
  private handlers: { data(chunk: Uint8Array): void; drain(): void; close(): void } | null = null;
  private early: Uint8Array[] = [];
  private ending = false;
  private closed = false;

  constructor(private readonly socket: RawSocket, early: Uint8Array | null) {
    // Once ending, SocketOut ends the socket when its queue is out; the tunnel wants no more drains.
    this.out = new SocketOut(socket, () => {
      if (!this.ending) this.handlers?.drain();
    });
    if (early) this.early.push(early);
  }

  write(bytes: Uint8Array): boolean {
    return this.out.write(bytes);
  }

  listen(handlers: { data(chunk: Uint8Array): void; drain(): void; close(): void }): void {
    this.handlers = handlers;
    for (const chunk of this.early.splice(0)) handlers.data(chunk);
    if (this.closed) handlers.close();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    if (this.ending || this.closed) return;
    this.ending = true;
    this.out.end();
  }

  onData(chunk: Uint8Array): void {
    if (this.handlers) this.handlers.data(chunk);
    else this.early.push(chunk);
  }

  onDrain(): void {
    this.out.drain();
  }

  onPeerEnd(): void {
    this.onClose();
  }

  onTimeout(): void {}

  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.out.close();
    this.handlers?.close();
  }
}

const CONTINUE = Buffer.from("HTTP/1.1 100 Continue\r\n\r\n", "latin1");

export class Connection implements TimedConnection {
  readonly out: SocketOut;
  readonly parser: Http1RequestParser;
  current: Exchange | null = null;
  closing = false;
  /** The peer's address, read once: the socket's getter builds a new string on every call. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** "ip:port" for logs, made once per connection. */
  readonly remoteAddrPort: string;
  /** The client half-closed: answer what it sent, then close. */
  peerEnded = false;
  /** Requests started on this connection, and when it opened (keepAliveMaxRequests/MaxTime, h2c). */
  private requests = 0;
  private readonly openedAt = performance.now();

  /**
   * `ownsInput`: each chunk the socket delivers is a fresh buffer nobody else
   * holds (Bun.listen), so the parser may free body bytes once they are written
   * upstream. Not assumed of other sockets (node:tls).
   */
  constructor(readonly socket: RawSocket, private readonly opts: RawServerOptions, readonly ownsInput = false) {
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort ?? 0;
    this.remoteAddrPort = addrPort(this.remoteAddress, this.remotePort);
    // Bun.listen sockets copy what they take, so small writes can be batched (write-batch.ts).
    this.out = new SocketOut(socket, () => this.current?.onDrain?.(), ownsInput, ownsInput);
    this.parser = new Http1RequestParser(
      {
        onHead: (head) => this.startExchange(head),
        onBody: (chunk) => this.current !== null && this.current.deliver(chunk) && this.ownsInput,
        onEnd: (trailers) => {
          const ex = this.current;
          if (!ex) return;
          // Hold pipelined requests until this response is over.
          if (!ex.writer.finished) this.parser.pause();
          this.readStartedAt = 0;
          ex.finishBody(trailers);
          if (ex.writer.finished) this.next();
        },
        onError: (err) => this.parseError(err),
      },
      opts.limits,
    );
  }

  private startExchange(head: RequestHead): void {
    this.requests++;
    // The clock read for the socket event that brought the head; a head parsed later (after a pipelined response) reads its own.
    const now = this.eventClock || performance.now();
    const ex = new Exchange(this, head, this.remoteAddress, now);
    this.current = ex;
    const { keepAliveMaxRequests, keepAliveMaxTimeMs } = this.opts;
    if (keepAliveMaxRequests && this.requests >= keepAliveMaxRequests) ex.writer.keepAlive = false;
    if (keepAliveMaxTimeMs && now - this.openedAt >= keepAliveMaxTimeMs) ex.writer.keepAlive = false;
    if (this.opts.writeTimeoutMs) this.writeStartedAt = now;
    try {
      this.opts.onRequest(ex);
    } catch {
      if (!ex.writer.started) ex.writeHead(500, REASONS[500], [], { contentLength: 0 });
      else ex.writer.reusable = false;
      ex.end();
    }
  }

  /** The handler ended its response: next request, or close. */
  responseEnded(ex: Exchange): void {
    if (!ex.writer.keepAlive || !ex.writer.reusable || this.peerEnded) return this.close();
    if (ex.bodyDone) this.next();
    // else: the request body is still arriving; onEnd calls next().
  }

  private next(): void {
    this.current = null;
    this.writeStartedAt = 0;
    if (this.closing) return;
    // A pipelined request already waiting starts its read clock now.
    if (this.opts.readTimeoutMs && this.parser.buffered > 0) this.readStartedAt = performance.now();
    if (this.readPaused) this.resumeReading();
    this.parser.resume();
  }

  private parseError(err: HttpParseError): void {
    const ex = this.current;
    if (ex && !ex.writer.finished) {
      ex.abort(err.reason);
      if (ex.writer.started) return this.close();
    }
    const body = Buffer.from(`${err.reason}\n`, "latin1");
    const status = REASONS[err.status] ? err.status : 400;
    this.opts.onRejected?.(status, err.reason, this.remoteAddress);
    const writer = new ResponseWriter(this.out, "GET", "1.1", false);
    writer.writeHead(status, REASONS[status], [["Content-Type", "text/plain; charset=utf-8"]], { contentLength: body.length });
    writer.end(body);
    this.close();
  }

  checkTimeouts(now: number, readLimitMs: number, writeLimitMs: number): boolean {
    // Closing or taken over (a WebSocket tunnel): no longer an HTTP connection to watch.
    if (this.closing) return false;
    if (readLimitMs && this.readStartedAt !== 0 && now - this.readStartedAt > readLimitMs) this.readTimedOut();
    else if (writeLimitMs && this.writeStartedAt !== 0 && now - this.writeStartedAt > writeLimitMs) this.writeTimedOut();
    return true;
  }

  /** Called by the read-timeout sweep: 408 if nothing was answered yet, else just close. */
  readTimedOut(): void {
    if (this.closing) return;
    this.readStartedAt = 0;
    const ex = this.current;
    if (ex?.writer.started) {
      ex.abort("request read timeout");
      return this.close();
    }
    this.parseError(new HttpParseError(408, "request read timeout"));
  }

  /** Called by the sweep past writeTimeout: the response is cut, as Go cuts the connection. */
  writeTimedOut(): void {
    if (this.closing) return;
    this.writeStartedAt = 0;
    this.current?.abort("response write timeout");
    this.closing = true;
    this.parser.pause();
    this.socket.terminate();
  }

  /** When the current exchange began (performance.now()), for writeTimeout; 0 = none. */
  writeStartedAt = 0;

  /** Ends the socket once queued bytes are out. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.parser.pause();
    this.out.end();
  }

  /** When the request being read began to arrive (performance.now()); 0 = not reading one. */
  readStartedAt = 0;

  /** performance.now() of the socket event being handled (onData); 0 outside one. */
  private eventClock = 0;

  onData(chunk: Uint8Array): void {
    if (this.closing) return;
    // Only before a first request: after one, the preface is just a bad HTTP/1.1 request.
    if (this.requests === 0 && this.opts.onH2c && this.parser.buffered === 0 && startsWithH2Preface(chunk)) {
      // h2c with prior knowledge: the socket's events go to the HTTP/2 connection from now on.
      this.closing = true;
      this.parser.pause();
      this.socket.data = this.opts.onH2c(this.socket, chunk);
      return;
    }
    // One clock read per socket event, shared by the read timeout and the requests it completes.
    const now = performance.now();
    if (this.readStartedAt === 0 && this.current === null && this.opts.readTimeoutMs) this.readStartedAt = now;
    this.eventClock = now;
    try {
      this.parser.push(chunk);
    } finally {
      this.eventClock = 0;
    }
    if (this.parser.buffered > MAX_BUFFERED_INPUT) this.pauseReading();
  }

  /** Native socket calls cost per request: only make them on a change. */
  readPaused = false;

  pauseReading(): void {
    if (this.readPaused) return;
    this.readPaused = true;
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.readPaused) return;
    this.readPaused = false;
    this.socket.resume();
  }

  /**
   * Inactivity timer fired. It is armed for the whole connection (re-arming
   * it per request costs a native call each); while a response is pending
   * the wait is the upstream's, bounded by its own timeouts, so re-arm.
   */
  onTimeout(): void {
    if (this.current && !this.closing) this.socket.timeout(this.opts.idleTimeoutSec ?? 10);
    else this.out.end();
  }

  onDrain(): void {
    // Ends the socket too once the queue is out, if close() asked for it.
    this.out.drain();
  }

  onPeerEnd(): void {
    this.peerEnded = true;
    const ex = this.current;
    if (!ex) return this.close();
    if (!ex.bodyDone) ex.abort("client ended before the request body");
  }

  onClose(): void {
    this.closing = true;
    this.out.close();
    this.current?.abort("client closed the connection");
  }
}

/** Starts a raw HTTP/1.1 listener; stop it with `listener.stop(true)`. */
export function listenRaw(opts: RawServerOptions): TCPSocketListener<Connection> {
  const sweep = opts.timeouts ?? new TimeoutSweep(opts);
  const listener = Bun.listen<Connection>({
    hostname: opts.hostname,
    port: opts.port,
    socket: {
      open(socket) {
        socket.data = new Connection(socket, opts, true);
        sweep.add(socket.data);
        socket.timeout(opts.idleTimeoutSec ?? 10);
      },
      data: (socket, chunk) => socket.data.onData(chunk),
      drain: (socket) => socket.data.onDrain(),
      close: (socket) => {
        sweep.delete(socket.data);
        socket.data.onClose();
      },
      end: (socket) => socket.data.onPeerEnd(),
      timeout: (socket) => socket.data.onTimeout(),
      error: (socket) => socket.data?.onClose(),
    },
  });
  const stop = listener.stop.bind(listener);
  listener.stop = (closeActive?: boolean) => {
    if (!opts.timeouts) sweep.stop();
    stop(closeActive);
  };
  return listener;
}

/** What TimeoutSweep watches (an HTTP/1.1 connection, an HTTP/2 one): it checks its own deadlines. */
export interface TimedConnection {
  /** Acts on what is late; false when it needs no more watching. */
  checkTimeouts(now: number, readLimitMs: number, writeLimitMs: number): boolean;
}

/**
 * readTimeout and writeTimeout for every open connection of one listener:
 * one interval for all, since a timer per request would cost more than the check.
 */
export class TimeoutSweep {
  private readonly open = new Set<TimedConnection>();
  private readonly timer: ReturnType<typeof setInterval> | null = null;

  constructor(opts: Pick<RawServerOptions, "readTimeoutMs" | "writeTimeoutMs">) {
    const readLimit = opts.readTimeoutMs ?? 0;
    const writeLimit = opts.writeTimeoutMs ?? 0;
    if (readLimit <= 0 && writeLimit <= 0) return;
    const shortest = Math.min(readLimit || Infinity, writeLimit || Infinity);
    this.timer = setInterval(() => {
      const now = performance.now();
      for (const c of this.open) if (!c.checkTimeouts(now, readLimit, writeLimit)) this.open.delete(c);
    }, Math.max(50, Math.min(1000, shortest / 4)));
    this.timer.unref();
  }

  add(c: TimedConnection): void {
    if (this.timer) this.open.add(c);
  }

  delete(c: TimedConnection): void {
    this.open.delete(c);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** "ip:port", "[ip]:port" for IPv6; the bare address when the port is unknown. */
export function addrPort(address: string, port: number): string {
  if (!port) return address;
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
