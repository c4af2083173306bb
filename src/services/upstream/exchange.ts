// One request/response on one pooled connection: writes the head and streams
// the body (with backpressure), parses the response, exposes its body as a
// ReadableStream that pauses the socket when the consumer is slow, and in the
// end hands the connection back (reusable) or closes it.
import type { ConnectionListener, UpstreamConnection } from "./connection.ts";
import { buildRequestHead, chunkFrame, LAST_CHUNK, type BodyFraming } from "./request-head.ts";
import { ProtocolError, ResponseParser, type ParsedHead, type ResponseSink } from "./response-parser.ts";
import { UpstreamError, type UpstreamErrorKind, type UpstreamRequest } from "./types.ts";

/** Bytes buffered in the response stream before the upstream socket is paused. */
const BODY_HIGH_WATER = 256 * 1024;

export class Exchange implements ConnectionListener, ResponseSink {
  /** Any byte of the response arrived (after that, a retry could duplicate effects). */
  responseByteSeen = false;
  /** The request body stream was locked for reading (it cannot be replayed). */
  bodyTaken = false;
  private bodyBytesSent = 0;
  private requestWritten = false;
  private finished = false;
  private head: ParsedHead | null = null;
  private headDelivered = false;
  private early: Uint8Array[] = [];
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private paused = false;
  private reader: { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(reason?: unknown): Promise<void> } | null = null;
  private headerTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly parser: ResponseParser;
  private resolveHead!: (r: Response) => void;
  private rejectHead!: (e: UpstreamError) => void;
  private readonly onAbort = () => this.fail("aborted", "client aborted the request");

  constructor(
    private readonly conn: UpstreamConnection,
    private readonly req: UpstreamRequest,
    private readonly release: (conn: UpstreamConnection) => void,
    maxHeadBytes: number,
  ) {
    this.parser = new ResponseParser(this, req.method === "HEAD", maxHeadBytes);
  }

  run(): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
      const { conn, req } = this;
      conn.listener = this;
      conn.uses++;
      if (req.signal) {
        if (req.signal.aborted) return this.onAbort();
        req.signal.addEventListener("abort", this.onAbort, { once: true });
      }
      try {
        const head = buildRequestHead(req);
        const wrote = conn.write(head.bytes);
        if (head.framing.kind === "none") {
          if (wrote) wrote.then(() => this.onRequestWritten(), (e) => this.failWith(e));
          else this.onRequestWritten();
        } else {
          void this.pumpBody(wrote, head.framing);
        }
      } catch (e) {
        this.failWith(e);
      }
    });
  }

  // --- connection events ---

  onData(chunk: Uint8Array): void {
    if (this.finished) return;
    this.responseByteSeen = true;
    try {
      this.parser.feed(chunk);
    } catch (e) {
      return this.failWith(e);
    }
    if (this.head && !this.headDelivered) this.deliver();
    if (this.parser.done && !this.finished) this.complete();
  }

  onClose(err: Error | undefined): void {
    if (this.finished) return;
    if (!err && this.parser.readsUntilClose) {
      this.parser.eof();
      if (this.head && !this.headDelivered) this.deliver();
      this.complete();
      return;
    }
    const why = err ? `: ${err.message}` : "";
    this.fail("reset", this.head ? `upstream closed the connection mid-body${why}` : `upstream closed the connection before responding${why}`);
  }

  // --- parser events ---

  onHead(head: ParsedHead): void {
    this.head = head;
    if (this.headerTimer) clearTimeout(this.headerTimer);
  }

  onBody(chunk: Uint8Array): void {
    const c = this.controller;
    if (!c) {
      this.early.push(chunk);
      return;
    }
    c.enqueue(chunk);
    if (!this.paused && (c.desiredSize ?? 1) <= 0) {
      this.paused = true;
      this.conn.pause();
    }
  }

  onEnd(): void {
    // complete() runs once feed() returns, so trailing bytes in the same read are seen.
  }

  /** Retrying on a fresh connection is safe: nothing came back and the body was not consumed. */
  get retryable(): boolean {
    return !this.responseByteSeen && !this.bodyTaken && !this.req.signal?.aborted;
  }

  // --- internals ---

  private deliver(): void {
    const head = this.head!;
    this.headDelivered = true;
    let body: ReadableStream<Uint8Array> | Uint8Array | null;
    const noBody = this.req.method === "HEAD" || head.status === 204 || head.status === 304 || head.status < 200;
    if (noBody) {
      body = null;
    } else if (this.parser.done) {
      // Whole body already here: a plain buffer is cheaper than a stream.
      body = this.early.length === 1 ? this.early[0]! : Buffer.concat(this.early);
    } else {
      body = new ReadableStream<Uint8Array>(
        {
          start: (c) => {
            this.controller = c;
            for (const chunk of this.early) c.enqueue(chunk);
          },
          pull: () => {
            if (this.paused) {
              this.paused = false;
              this.conn.resume();
            }
          },
          cancel: () => this.fail("aborted", "response body cancelled"),
        },
        { highWaterMark: BODY_HIGH_WATER, size: (c) => c?.byteLength ?? 0 },
      );
    }
    this.early = [];
    let response: Response;
    try {
      response = new Response(body, { status: head.status, statusText: head.statusText, headers: head.headers });
    } catch {
      response = new Response(body, { status: head.status, headers: head.headers });
    }
    this.resolveHead(response);
  }

  private complete(): void {
    this.finished = true;
    this.cleanup();
    if (this.controller) {
      try {
        this.controller.close();
      } catch {
        // already cancelled by the consumer
      }
    }
    const conn = this.conn;
    conn.listener = null;
    if (this.paused) conn.resume();
    const reusable = this.head!.keepAlive && this.parser.extraBytes === 0 && this.requestWritten && !conn.closed;
    if (!this.requestWritten) {
      // The upstream answered before taking the whole body: stop sending it.
      void this.reader?.cancel().catch(() => {});
      conn.destroy();
    } else if (reusable) {
      this.release(conn);
    } else {
      conn.close();
    }
  }

  private failWith(e: unknown): void {
    if (e instanceof UpstreamError) return this.fail(e.kind, e.message);
    if (e instanceof ProtocolError) return this.fail("protocol", e.message);
    this.fail("protocol", e instanceof Error ? e.message : String(e));
  }

  private fail(kind: UpstreamErrorKind, message: string): void {
    if (this.finished) return;
    this.finished = true;
    this.cleanup();
    const err = new UpstreamError(kind, message, this.bodyBytesSent > 0);
    this.conn.listener = null;
    this.conn.destroy();
    if (this.reader) void this.reader.cancel(err).catch(() => {});
    if (!this.headDelivered) this.rejectHead(err);
    else if (this.controller) {
      try {
        this.controller.error(err);
      } catch {
        // stream already closed or cancelled
      }
    }
  }

  private cleanup(): void {
    if (this.headerTimer) clearTimeout(this.headerTimer);
    this.req.signal?.removeEventListener("abort", this.onAbort);
  }

  private onRequestWritten(): void {
    this.requestWritten = true;
    if (this.finished || this.head) return;
    const ms = this.req.timeouts.responseHeaderTimeoutMs;
    if (ms > 0) {
      this.headerTimer = setTimeout(() => {
        if (!this.head) this.fail("header-timeout", `no response head within ${ms}ms`);
      }, ms);
    }
  }

  private async pumpBody(headWrite: Promise<void> | null, framing: BodyFraming): Promise<void> {
    try {
      if (headWrite) await headWrite;
      if (this.finished) return;
      this.bodyTaken = true;
      const reader = (this.reader = this.req.body!.getReader());
      const expected = framing.kind === "length" ? framing.length : -1;
      let sent = 0;
      for (;;) {
        let result: { done: boolean; value?: Uint8Array };
        try {
          result = await reader.read();
        } catch (e) {
          return this.fail("aborted", `reading the request body failed: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (this.finished) return;
        if (result.done || !result.value) break;
        const chunk = result.value;
        if (chunk.length === 0) continue;
        sent += chunk.length;
        if (expected >= 0 && sent > expected) return this.fail("protocol", "request body longer than its Content-Length");
        let wait: Promise<void> | null = null;
        if (framing.kind === "chunked") for (const part of chunkFrame(chunk)) wait = this.conn.write(part) ?? wait;
        else wait = this.conn.write(chunk);
        this.bodyBytesSent = sent;
        if (wait) await wait;
        if (this.finished) return;
      }
      if (expected >= 0 && sent !== expected) return this.fail("protocol", "request body shorter than its Content-Length");
      if (framing.kind === "chunked") {
        const wait = this.conn.write(LAST_CHUNK);
        if (wait) await wait;
      }
      this.onRequestWritten();
    } catch (e) {
      this.failWith(e);
    }
  }
}
