// One forwarded request on the raw path (see raw-forward.ts for the error
// contract): writes the request head and streams the client body upstream,
// parses the response and streams it to the client with backpressure both
// ways, retries once on a stale pooled socket, and hands a 101 to Tunnel.
import type { RawExchange } from "../../server/raw/connection.ts";
import { freeBytes } from "../../server/raw/free-bytes.ts";
import { BYTES_BLOCK_MAX_READ, fieldList, type Fields, type HeadParts, type HeaderList } from "../../server/raw/http1-head.ts";
import type { ConnectionListener, DialOptions, UpstreamConnection } from "./connection.ts";
import { ProtocolError, RawResponseParser, type RawResponseHead, type RawResponseSink } from "./raw-response-parser.ts";
import { chunkFrame, lastChunk, requestHead } from "./raw-request-head.ts";
import { Tunnel } from "./raw-tunnel.ts";
import type { RawForwardRequest, RawForwardResult, RawForwardSink } from "./raw-types.ts";
import { UpstreamError, type UpstreamTimeouts } from "./types.ts";

/** RawForwardResult, plus why the response was cut short after its head went out (client destroyed or gone). */
export interface RawForwardOutcome extends RawForwardResult {
  incomplete?: string;
}

export interface Origin {
  key: string;
  dial: Omit<DialOptions, "dialTimeoutMs" | "signal">;
}

/** What a run needs from its pool. */
export interface RunPool {
  readonly maxHeadBytes: number;
  acquire(key: string): UpstreamConnection | undefined;
  release(key: string, conn: UpstreamConnection): void;
  dial(origin: Origin, timeouts: UpstreamTimeouts): Promise<UpstreamConnection>;
}

const NO_HEADERS: HeaderList = [];
const noop = () => {};

/** What became of a write to the upstream socket. */
const enum Sent {
  /** The kernel took every byte. */
  All,
  /** Some bytes wait in the connection's queue (they are still referenced). */
  Queued,
  /** The socket is gone (already handled as a close). */
  Closed,
}

/** One request's run: the listener of its upstream socket and the sink of its response parser. */
export class ForwardRun implements ConnectionListener, RawResponseSink {
  private conn: UpstreamConnection | null = null;
  private parser: RawResponseParser | null = null;
  /** The request head: latin1 text, or in parts (field lines as received). */
  private readonly head: string | HeadParts;
  private reused = false;
  private retried = false;
  private gotBytes = false;
  private headWritten = false;
  private settled = false;
  /** The request (head and body) was handed to the socket. */
  private requestSent = false;
  private bodyStarted = false;
  /** The upstream socket is paused because the client is slow. */
  private paused = false;
  private feeding = false;
  /** Every body piece of the chunk being fed was taken whole by the client's socket. */
  private piecesTaken = true;
  private ended = false;
  private trailers: HeaderList | null = null;
  private upgraded: RawResponseHead | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private status = 0;
  private bytes = 0;
  private headers: Fields = NO_HEADERS;

  constructor(
    private readonly pool: RunPool,
    private readonly origin: Origin,
    private readonly req: RawForwardRequest,
    private readonly ex: RawExchange,
    private readonly upgrade: boolean,
    private readonly sink: RawForwardSink<RawForwardOutcome>,
  ) {
    this.head = requestHead(req, ex.head, upgrade ? ex.head.upgrade : null);
  }

  start(): void {
    const ex = this.ex;
    if (ex.aborted) return this.clientAborted("client went away");
    ex.onAbort = (reason) => this.clientAborted(reason);
    ex.onDrain = () => {
      if (!this.paused) return;
      this.paused = false;
      this.conn?.resume();
    };
    const pooled = this.upgrade ? undefined : this.pool.acquire(this.origin.key);
    if (pooled) this.attach(pooled, true);
    else this.dialFresh();
  }

  private dialFresh(): void {
    this.pool.dial(this.origin, this.req.timeouts).then(
      (conn) => {
        if (this.settled) conn.close(); // the client left while we dialled
        else this.attach(conn, false);
      },
      (err: unknown) => {
        if (this.settled) return;
        this.fail(err instanceof UpstreamError ? err : new UpstreamError("refused", String(err)));
      },
    );
  }

  private attach(conn: UpstreamConnection, reused: boolean): void {
    this.conn = conn;
    this.reused = reused;
    this.gotBytes = false;
    conn.listener = this;
    conn.uses++;
    this.parser = new RawResponseParser(this, this.req.method === "HEAD", this.pool.maxHeadBytes);
    if (this.send(this.head, false) === Sent.Closed) return;
    if (this.ex.head.body === "none") return this.requestDone();
    if (this.bodyStarted) return;
    this.bodyStarted = true;
    const chunked = this.ex.head.body === "chunked";
    this.ex.readBody(
      (chunk) => this.sendBody(chunk, chunked),
      (trailers) => {
        if (this.settled) return;
        if (chunked && this.send(lastChunk(trailers), false) === Sent.Closed) return;
        this.requestDone();
      },
    );
  }

  /**
   * One piece of the client's body, upstream. True when nothing keeps the
   * client's bytes afterwards (the kernel took them, they were copied into a
   * chunk frame, or they are dropped), so the front may free them at once.
   */
  private sendBody(chunk: Uint8Array, chunked: boolean): boolean {
    if (this.settled) return true;
    if (!chunked) return this.send(chunk, true) !== Sent.Queued;
    const frame = chunkFrame(chunk);
    // The frame is ours alone: once written, free it too rather than leave it to the GC.
    if (this.send(frame, true) === Sent.All) freeBytes(frame);
    return true;
  }

  /** Writes to the upstream (a string: latin1 head text; or a head in parts); with `pauseClient`, stops reading the client until queued bytes are out. */
  private send(bytes: Uint8Array | string | HeadParts, pauseClient: boolean): Sent {
    let waiting: Promise<void> | null;
    try {
      if (typeof bytes === "string") waiting = this.conn!.writeLatin1(bytes);
      else if (bytes instanceof Uint8Array) waiting = this.conn!.write(bytes);
      else waiting = this.conn!.writeParts(bytes);
    } catch {
      this.onClose(undefined);
      return Sent.Closed;
    }
    if (waiting === null) return Sent.All;
    if (!pauseClient) {
      waiting.catch(noop);
      return Sent.Queued;
    }
    this.ex.pauseBody();
    waiting.then(() => {
      if (!this.settled) this.ex.resumeBody();
    }, noop);
    return Sent.Queued;
  }

  private requestDone(): void {
    this.requestSent = true;
    const ms = this.req.timeouts.responseHeaderTimeoutMs;
    if (ms > 0 && !this.headWritten && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.settled && !this.headWritten) this.fail(new UpstreamError("header-timeout", `no response head within ${ms}ms`, true));
      }, ms);
    }
  }

  onData(chunk: Uint8Array): void {
    if (this.settled) return;
    this.gotBytes = true;
    this.feeding = true;
    this.piecesTaken = true;
    const parser = this.parser!;
    try {
      parser.feed(chunk);
    } catch (err) {
      this.feeding = false;
      if (this.ended || this.settled) return;
      return this.fail(new UpstreamError("protocol", err instanceof ProtocolError ? err.message : String(err), true));
    }
    this.feeding = false;
    // A read that held a head and body (or several body pieces) is viewed by
    // the pieces, not owned by one: once the client's socket took them all
    // and the parser keeps none, its memory can go now (see onBody).
    if (this.piecesTaken && chunk.length > BYTES_BLOCK_MAX_READ && !parser.holdsBytes && !this.upgraded && this.ex.copiesOnWrite) freeBytes(chunk);
    if (this.ended) this.complete();
    else if (this.upgraded) this.startTunnel(this.upgraded);
  }

  onHead(h: RawResponseHead): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (h.status === 101) {
      if (!this.upgrade) throw new ProtocolError("101 Switching Protocols without an upgrade request");
      this.upgraded = h;
      return;
    }
    this.status = h.status;
    this.headers = h.headers;
    this.headWritten = true;
    this.ex.writeHead(h.status, h.reason, h.headers, h.contentLength >= 0 ? { contentLength: h.contentLength } : undefined);
  }

  onBody(chunk: Uint8Array, headroom: number): void {
    this.bytes += chunk.length;
    if (this.ex.write(chunk, headroom)) {
      // Written out whole by a copying socket: a chunk that is a whole upstream
      // read is ours alone, so its memory can go now instead of at the next GC.
      if (this.ex.copiesOnWrite) freeBytes(chunk);
      return;
    }
    this.piecesTaken = false;
    if (!this.paused && !this.ex.aborted) {
      this.paused = true;
      this.conn!.pause();
    }
  }

  onEnd(trailers: HeaderList | null): void {
    this.ended = true;
    this.trailers = trailers;
    if (!this.feeding) this.complete();
  }

  /** The response is complete: pool or close the socket, end the client response, resolve. */
  private complete(): void {
    if (this.settled) return;
    this.settled = true;
    const conn = this.conn!;
    const ex = this.ex;
    ex.onAbort = null;
    ex.onDrain = null;
    if (this.paused) conn.resume();
    // Reusable only when both messages are complete and nothing extra arrived.
    if (this.parser!.keepAlive && this.requestSent && !this.upgrade && !conn.closed) {
      conn.listener = null;
      this.pool.release(this.origin.key, conn);
    } else {
      conn.listener = null;
      conn.close();
    }
    ex.end(undefined, this.trailers ?? undefined);
    this.sink.answered({ status: this.status, responseBytes: this.bytes, headers: this.headers });
  }

  /** Upstream socket closed (or a write found it closed). */
  onClose(err?: Error): void {
    if (this.settled) return;
    const parser = this.parser;
    if (parser?.untilClose) {
      parser.eof();
      if (!this.feeding && this.ended) this.complete();
      return;
    }
    // A pooled socket the upstream had already closed: once more on a fresh one.
    if (!this.gotBytes && this.reused && !this.retried && this.ex.head.body === "none" && !this.ex.aborted) {
      this.retried = true;
      const old = this.conn!;
      old.listener = null;
      old.destroy();
      this.conn = null;
      return this.dialFresh();
    }
    const what = parser?.gotHead ? "upstream closed mid-body" : "upstream closed before the response head";
    this.fail(new UpstreamError("reset", `${what}${err ? `: ${err.message}` : ""}`, this.requestSent));
  }

  /** Upstream failure: before the head, reject; after, cut the client off and resolve. */
  private fail(err: UpstreamError): void {
    if (!this.settleBroken()) return;
    this.ex.onAbort = null;
    this.ex.onDrain = null;
    if (!this.headWritten) return this.sink.failed(err);
    this.ex.destroy(err.message);
    this.sink.answered({ status: this.status, responseBytes: this.bytes, headers: this.headers, incomplete: err.message });
  }

  private clientAborted(reason: string): void {
    if (!this.settleBroken()) return;
    if (!this.headWritten) this.sink.failed(new UpstreamError("aborted", reason, this.requestSent));
    else this.sink.answered({ status: this.status, responseBytes: this.bytes, headers: this.headers, incomplete: reason });
  }

  /** Settles an exchange that broke off: stops the timer and drops the upstream socket. False when already settled. */
  private settleBroken(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.timer !== null) clearTimeout(this.timer);
    const conn = this.conn;
    if (conn) {
      conn.listener = null;
      conn.destroy();
    }
    return true;
  }

  /** 101: hand the client socket over and pipe both ways. */
  private startTunnel(h: RawResponseHead): void {
    this.settled = true;
    const conn = this.conn!;
    const ex = this.ex;
    ex.onAbort = null;
    ex.onDrain = null;
    if (ex.aborted) {
      conn.listener = null;
      conn.destroy();
      return this.sink.failed(new UpstreamError("aborted", "client went away", true));
    }
    let text = `HTTP/1.1 101 ${h.reason}\r\n`;
    for (const [name, value] of fieldList(h.headers)) text += `${name}: ${value}\r\n`;
    text += `Connection: Upgrade\r\n${h.upgrade !== null ? `Upgrade: ${h.upgrade}\r\n` : ""}\r\n`;
    const rest = this.parser!.rest;
    const head = Buffer.from(text, "latin1");
    const first = rest.length > 0 ? Buffer.concat([head, rest]) : head;
    const headers = h.headers;
    const tunnel = new Tunnel(conn, ex.takeOver(), (down) => this.sink.answered({ status: 101, responseBytes: down, headers }));
    tunnel.start(first);
  }
}
