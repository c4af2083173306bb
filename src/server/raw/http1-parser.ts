// Incremental, strict HTTP/1.1 request parser for a raw Bun.listen front.
// Bytes go in with push() in any split; out come, in order and per request:
// onHead, onBody* (de-chunked), onEnd (with trailers). Pipelined requests follow
// one another; the consumer calls pause() (e.g. in onEnd while its response is
// still being written) and resume() to keep them in order with bounded buffering.
// Any framing doubt is an error with a status; the connection must then close.
import { parseFieldLines, parseRequestHead, type HeaderList, type RequestHead } from "./http1-head.ts";
import { freeBytes } from "./free-bytes.ts";
import { CR, HttpParseError, LF, hexValue, validChunkExtensions } from "./http1-syntax.ts";

export { HttpParseError } from "./http1-syntax.ts";
export type { HeaderList, RequestHead } from "./http1-head.ts";

export interface ParserLimits {
  /** Request line longer than this: 414. */
  maxRequestLineBytes: number;
  /** Request line + header section larger than this: 431. */
  maxHeadBytes: number;
  /** More field lines than this: 431. */
  maxHeaders: number;
  /** Declared or de-chunked body larger than this: 413. */
  maxBodyBytes: number;
  /** Chunk-size line (with extensions) longer than this: 400. */
  maxChunkLineBytes: number;
  /** Trailer section larger than this: 431. */
  maxTrailerBytes: number;
}

export const DEFAULT_LIMITS: ParserLimits = {
  maxRequestLineBytes: 8 * 1024,
  maxHeadBytes: 32 * 1024,
  maxHeaders: 100,
  maxBodyBytes: Number.MAX_SAFE_INTEGER,
  maxChunkLineBytes: 4 * 1024,
  maxTrailerBytes: 8 * 1024,
};

export interface ParserHandlers {
  onHead(head: RequestHead): void;
  /**
   * A view into received bytes: valid as long as the caller keeps it (never reused).
   * Returning `true` says the caller is done with it (its bytes went to the kernel,
   * nothing keeps the view) and the parser owns its input: the memory is then
   * freed at once instead of at the next GC (see release()).
   */
  onBody(chunk: Uint8Array): unknown;
  onEnd(trailers: HeaderList | null): void;
  /** Called once; the parser ignores input afterwards. */
  onError(error: HttpParseError): void;
}

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  Dead,
}

const EMPTY = Buffer.alloc(0);
const HEAD_END = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");

export class Http1RequestParser {
  private readonly limits: ParserLimits;
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Where the next LF search starts (Head/Trailers/ChunkSize). */
  private scan = 0;
  /** Start of the current line (Head/Trailers). */
  private lineStart = 0;
  private state = State.Head;
  private remaining = 0;
  private bodyBytes = 0;
  private paused = false;
  private running = false;

  constructor(private readonly handlers: ParserHandlers, limits: Partial<ParserLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Bytes received but not yet parsed (grows while paused). */
  get buffered(): number {
    return this.buf.length - this.pos;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** True between requests: EOF here is a clean close. */
  get idle(): boolean {
    return this.state === State.Head && this.buffered === 0;
  }

  get failed(): boolean {
    return this.state === State.Dead;
  }

  push(chunk: Uint8Array): void {
    if (this.state === State.Dead || chunk.length === 0) return;
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.pos >= this.buf.length) {
      this.buf = bytes;
      this.scan -= this.pos;
      this.lineStart -= this.pos;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), bytes]);
      this.scan -= this.pos;
      this.lineStart -= this.pos;
    }
    this.pos = 0;
    this.run();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.run();
  }

  private run(): void {
    if (this.running) return; // resume() from inside a callback: the loop below continues
    this.running = true;
    try {
      while (!this.paused && this.state !== State.Dead && this.step()) {
        // each step consumed something or emitted an event
      }
    } catch (err) {
      if (!(err instanceof HttpParseError)) throw err; // a handler's own bug is not a 400
      this.fail(err);
    } finally {
      this.running = false;
    }
  }

  private fail(err: HttpParseError): void {
    this.state = State.Dead;
    this.buf = EMPTY;
    this.pos = 0;
    this.handlers.onError(err);
  }

  /** One step of the state machine; false when more bytes are needed. */
  private step(): boolean {
    switch (this.state) {
      case State.Head:
        return this.stepHead();
      case State.Length: {
        const n = Math.min(this.remaining, this.buf.length - this.pos);
        if (n === 0) return false;
        const piece = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        this.remaining -= n;
        if (this.handlers.onBody(piece) === true) this.release(piece);
        if (this.remaining === 0) this.endMessage(null);
        return true;
      }
      case State.ChunkSize:
        return this.stepChunkSize();
      case State.ChunkData: {
        const n = Math.min(this.remaining, this.buf.length - this.pos);
        if (n === 0) return false;
        const piece = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = State.ChunkDataEnd;
        if (this.handlers.onBody(piece) === true) this.release(piece);
        return true;
      }
      case State.ChunkDataEnd:
        if (this.buf.length - this.pos < 2) {
          if (this.buf.length > this.pos && this.buf[this.pos] !== CR) throw new HttpParseError(400, "chunk data not followed by CRLF");
          return false;
        }
        if (this.buf[this.pos] !== CR || this.buf[this.pos + 1] !== LF) throw new HttpParseError(400, "chunk data not followed by CRLF");
        this.pos += 2;
        this.beginLine(State.ChunkSize);
        return true;
      case State.Trailers:
        return this.stepTrailers();
      default:
        return false;
    }
  }

  /**
   * The consumer is done with `piece`. When it is the whole of a buffer the
   * parser has fully read (typically one socket read of up to 512 KiB), that
   * buffer is freed now (free-bytes.ts says why).
   */
  private release(piece: Uint8Array): void {
    const ab = piece.buffer;
    if (piece.byteOffset !== 0 || piece.byteLength !== ab.byteLength || this.buf.buffer !== ab || this.pos !== this.buf.length) return;
    this.buf = EMPTY;
    this.pos = 0;
    this.scan = 0;
    this.lineStart = 0;
    freeBytes(piece);
  }

  private beginLine(state: State): void {
    this.state = state;
    this.scan = this.pos;
    this.lineStart = this.pos;
  }

  /** Next LF at or after `scan`, checking it ends a CRLF; -1 if none yet. */
  private nextLineEnd(): number {
    const i = this.buf.indexOf(LF, this.scan);
    if (i < 0) {
      this.scan = this.buf.length;
      return -1;
    }
    if (i === 0 || this.buf[i - 1] !== CR) throw new HttpParseError(400, "bare LF");
    this.scan = i + 1;
    return i;
  }

  private stepHead(): boolean {
    // RFC 9112 §2.2: empty lines before the request line are ignored.
    while (this.buf[this.pos] === CR && this.buf[this.pos + 1] === LF) this.pos += 2;
    if (this.pos >= this.buf.length) return false;
    // One native search for the end of the head; bare LFs inside a complete
    // head are caught by the line syntax checks (LF is not a field byte).
    const from = Math.max(this.pos, this.scan - 3);
    const end = this.buf.indexOf(HEAD_END, from);
    if (end < 0) {
      this.checkIncompleteHead(from);
      return false;
    }
    const size = end + 4 - this.pos;
    const eol = this.buf.indexOf(CRLF, this.pos);
    if (eol - this.pos > this.limits.maxRequestLineBytes) throw new HttpParseError(414, "request line too long");
    if (size > this.limits.maxHeadBytes) throw new HttpParseError(431, "request head too large");
    const text = this.buf.toString("latin1", this.pos, end);
    const base = this.pos;
    this.pos = end + 4;
    // The bytes go along so the field lines can be forwarded as received (socket reads are never reused).
    const head = parseRequestHead(text, this.limits, this.buf, base);
    this.bodyBytes = 0;
    if (head.body === "chunked") {
      this.beginLine(State.ChunkSize);
    } else {
      this.state = State.Length;
      this.remaining = head.contentLength;
    }
    this.handlers.onHead(head);
    if (head.body === "none") this.endMessage(null);
    return true;
  }

  /** A head without its end yet: fail early on a bare LF or a limit. */
  private checkIncompleteHead(from: number): void {
    for (let i = this.buf.indexOf(LF, from); i >= 0; i = this.buf.indexOf(LF, i + 1)) {
      if (i === this.pos || this.buf[i - 1] !== CR) throw new HttpParseError(400, "bare LF");
    }
    this.scan = this.buf.length;
    const size = this.buf.length - this.pos;
    if (size > this.limits.maxRequestLineBytes && this.buf.indexOf(CRLF, this.pos) < 0) throw new HttpParseError(414, "request line too long");
    if (size > this.limits.maxHeadBytes) throw new HttpParseError(431, "request head too large");
  }

  private stepChunkSize(): boolean {
    const lf = this.nextLineEnd();
    if (lf < 0) {
      if (this.buf.length - this.pos > this.limits.maxChunkLineBytes) throw new HttpParseError(400, "chunk size line too long");
      return false;
    }
    if (lf + 1 - this.pos > this.limits.maxChunkLineBytes) throw new HttpParseError(400, "chunk size line too long");
    let i = this.pos;
    const end = lf - 1;
    let size = 0;
    for (; i < end; i++) {
      const h = hexValue(this.buf[i]);
      if (h < 0) break;
      size = size * 16 + h;
      if (size > Number.MAX_SAFE_INTEGER) throw new HttpParseError(400, "chunk size overflow");
    }
    if (i === this.pos) throw new HttpParseError(400, "invalid chunk size");
    if (!validChunkExtensions(this.buf.toString("latin1", i, end))) throw new HttpParseError(400, "invalid chunk extension");
    this.pos = lf + 1;
    if (size === 0) {
      this.beginLine(State.Trailers);
      return true;
    }
    this.bodyBytes += size;
    if (this.bodyBytes > this.limits.maxBodyBytes) throw new HttpParseError(413, "request body too large");
    this.remaining = size;
    this.state = State.ChunkData;
    return true;
  }

  private stepTrailers(): boolean {
    for (;;) {
      const lf = this.nextLineEnd();
      if (lf < 0) {
        if (this.buf.length - this.pos > this.limits.maxTrailerBytes) throw new HttpParseError(431, "trailer section too large");
        return false;
      }
      if (lf + 1 - this.pos > this.limits.maxTrailerBytes) throw new HttpParseError(431, "trailer section too large");
      if (lf - 1 > this.lineStart) {
        this.lineStart = lf + 1;
        continue;
      }
      const text = this.lineStart === this.pos ? "" : this.buf.toString("latin1", this.pos, this.lineStart - 2);
      this.pos = lf + 1;
      const trailers = parseFieldLines(text, this.limits.maxHeaders);
      this.endMessage(trailers.length > 0 ? trailers : null);
      return true;
    }
  }

  private endMessage(trailers: HeaderList | null): void {
    this.remaining = 0;
    this.beginLine(State.Head);
    this.handlers.onEnd(trailers);
  }
}
