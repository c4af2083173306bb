// Strict, incremental HTTP/1.1 response parser for the raw forwarding path.
// Unlike response-parser.ts it builds no Headers object: the head's fields
// come out with hop-by-hop ones already removed, ready for
// RawExchange.writeHead, usually as the text block they arrived in
// (FieldBlock), as a [name, value][] list in the rare cases that need one.
// Anything ambiguous (bad status line, bare LF, obs-fold, conflicting
// Content-Length, bad chunk line) is a ProtocolError and the connection is
// never reused.
import { BYTES_BLOCK_MAX_READ, FIELD_LINES, FieldBlock, RangeFieldBlock, parseFieldLines, type Fields, type HeaderList } from "../../server/raw/http1-head.ts";
import { hexValue, listTokens, lowerEquals, owsDigits, owsValueIs, trimOws, validChunkExtensions } from "../../server/raw/http1-syntax.ts";
import { ProtocolError } from "./response-parser.ts";

export { ProtocolError } from "./response-parser.ts";

export interface RawResponseHead {
  status: number;
  reason: string;
  /**
   * End-to-end fields in order (hop-by-hop and framing fields removed): as
   * the text block they came in (the common case), or as a list when a
   * Connection field named others to drop.
   */
  headers: Fields;
  /** Declared body length, -1 when not given (or when Transfer-Encoding rules). */
  contentLength: number;
  /** The Upgrade field (kept for a 101 answer), else null. */
  upgrade: string | null;
}

export interface RawResponseSink {
  onHead(head: RawResponseHead): void;
  /**
   * `headroom`: how many bytes just before `chunk` in its buffer are spent
   * (the response head, a chunk-size line) and referenced by nothing else,
   * so a writer may put its own head there and send both in one write.
   */
  onBody(chunk: Uint8Array, headroom: number): void;
  onEnd(trailers: HeaderList | null): void;
}

const enum State { Head, Fixed, ChunkSize, ChunkData, ChunkDataEnd, Trailers, UntilClose, Done }

const HEAD_END = Buffer.from("\r\n\r\n");
// Tested in place at the head's start, not exec'd: the parts sit at fixed
// offsets ("HTTP/1.1 200 " is 13 chars), no match array or copy of the line
// needed. No part matches CR or LF, so a match ends at the line's own CRLF.
// The space and reason may be missing ("HTTP/1.1 200"), as Go's client allows.
const STATUS_LINE = /HTTP\/1\.[01] [1-5][0-9]{2}(?: [\t\x20-\x7e\x80-\xff]*)?(?:\r\n|$)/y;
const MAX_FIELDS = 200;
const MAX_CHUNK_LINE = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
const EMPTY = new Uint8Array(0);
// Socket reads arrive as plain Uint8Arrays; Buffer's methods work on them via
// call (turning one into a Buffer view needs `.buffer`, ~0.2 µs each in JSC).
const indexOfBytes = Buffer.prototype.indexOf;
const toStr = Buffer.prototype.toString;
const latin1 = (buf: Uint8Array, start: number, end: number): string => toStr.call(buf, "latin1", start, end);

/** Below this size a body piece is copied out of the socket's chunk rather than viewed. */
const COPY_PIECE_MAX = 2048;

const copyOut = Uint8Array.prototype.slice;

/**
 * `buf[pos, pos + n)`. A socket chunk from Bun has no ArrayBuffer until one
 * is asked for: its first subarray() allocates one (and may copy the whole
 * chunk). For the small body that usually follows a response head in the
 * same chunk, a copy of just those bytes is cheaper: Uint8Array's slice()
 * reads the chunk in place (a Buffer's slice() would be a view again).
 */
function bodyPiece(buf: Uint8Array, pos: number, n: number): Uint8Array {
  if (pos === 0 && n === buf.length) return buf;
  return n <= COPY_PIECE_MAX ? copyOut.call(buf, pos, pos + n) : buf.subarray(pos, pos + n);
}

/**
 * The spent bytes before the `n`-byte piece at `pos` of `buf`, back to the
 * end of the last piece handed out (see RawResponseSink.onBody): none for a
 * copied piece, and none in a read small enough that its head fields may
 * still be read from its bytes (RangeFieldBlock).
 */
function headroomOf(buf: Uint8Array, pos: number, n: number, handedOut: number): number {
  return n > COPY_PIECE_MAX && buf.length > BYTES_BLOCK_MAX_READ ? pos - handedOut : 0;
}

export class RawResponseParser {
  private state = State.Head;
  private buf: Uint8Array = EMPTY;
  private remaining = 0;
  /** The response allows the connection to be reused once it is complete. */
  keepAlive = false;
  /** A head arrived (1xx interim heads are skipped and do not count). */
  gotHead = false;
  /** Bytes after a complete response (connection unusable), or after a 101 (the tunnel's first bytes). */
  rest: Uint8Array = EMPTY;

  constructor(private readonly sink: RawResponseSink, private readonly isHead: boolean, private readonly maxHeadBytes: number) {}

  get done(): boolean {
    return this.state === State.Done;
  }

  /** Bytes of a fed chunk are kept (an incomplete head or chunk line, or what followed the response). */
  get holdsBytes(): boolean {
    return this.buf.length > 0 || this.rest.length > 0;
  }

  /** The body is delimited by the upstream closing the connection. */
  get untilClose(): boolean {
    return this.state === State.UntilClose;
  }

  feed(chunk: Uint8Array): void {
    const buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.buf = EMPTY;
    let pos = 0;
    /** Where the bytes not yet handed out in a body piece start. */
    let handedOut = 0;
    while (pos < buf.length) {
      switch (this.state) {
        case State.Head: {
          const end = indexOfBytes.call(buf, HEAD_END, pos);
          if (end < 0) {
            if (buf.length - pos > this.maxHeadBytes) throw new ProtocolError("response head too large");
            this.buf = pos === 0 ? buf : buf.subarray(pos);
            return;
          }
          if (end + 4 - pos > this.maxHeadBytes) throw new ProtocolError("response head too large");
          const text = latin1(buf, pos, end);
          const headStart = pos;
          pos = end + 4;
          this.head(text, buf, headStart);
          // (head() changed the state: the cast stops TS narrowing on the case label)
          if ((this.state as State) === State.Done) {
            // Bytes after a 101 belong to the tunnel; after anything else they poison the connection.
            if (pos < buf.length) {
              this.rest = buf.subarray(pos);
              this.keepAlive = false;
            }
            return;
          }
          break;
        }
        case State.Fixed: {
          const n = Math.min(this.remaining, buf.length - pos);
          const piece = bodyPiece(buf, pos, n);
          const headroom = headroomOf(buf, pos, n, handedOut);
          pos += n;
          handedOut = pos;
          this.remaining -= n;
          this.sink.onBody(piece, headroom);
          if (this.remaining === 0) this.finish(null);
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, buf.length - pos);
          const piece = bodyPiece(buf, pos, n);
          const headroom = headroomOf(buf, pos, n, handedOut);
          pos += n;
          handedOut = pos;
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.ChunkDataEnd;
          this.sink.onBody(piece, headroom);
          break;
        }
        case State.ChunkDataEnd:
          if (buf.length - pos < 2) {
            if (buf[pos] !== 13) throw new ProtocolError("chunk data not followed by CRLF");
            this.buf = buf.subarray(pos);
            return;
          }
          if (buf[pos] !== 13 || buf[pos + 1] !== 10) throw new ProtocolError("chunk data not followed by CRLF");
          pos += 2;
          this.state = State.ChunkSize;
          break;
        case State.ChunkSize: {
          const lf = buf.indexOf(10, pos);
          if (lf < 0 || lf - pos > MAX_CHUNK_LINE) {
            if (buf.length - pos > MAX_CHUNK_LINE) throw new ProtocolError("chunk size line too long");
            this.buf = buf.subarray(pos);
            return;
          }
          this.chunkSize(buf, pos, lf);
          pos = lf + 1;
          break;
        }
        case State.Trailers: {
          const end = buf[pos] === 13 && buf[pos + 1] === 10 ? pos : indexOfBytes.call(buf, HEAD_END, pos);
          if (end < 0 || (end === pos && buf.length - pos < 2)) {
            if (buf.length - pos > MAX_TRAILER_BYTES) throw new ProtocolError("trailers too large");
            this.buf = buf.subarray(pos);
            return;
          }
          if (end === pos) {
            pos += 2;
            this.finish(null);
          } else {
            if (end - pos > MAX_TRAILER_BYTES) throw new ProtocolError("trailers too large");
            const trailers = fields(latin1(buf, pos, end));
            pos = end + 4;
            this.finish(trailers);
          }
          break;
        }
        case State.UntilClose:
          this.sink.onBody(pos === 0 ? buf : buf.subarray(pos), headroomOf(buf, pos, buf.length - pos, handedOut));
          return;
        case State.Done:
          this.rest = buf.subarray(pos);
          this.keepAlive = false;
          return;
      }
    }
  }

  /** The upstream closed: completes a close-delimited body, otherwise the response is truncated. */
  eof(): void {
    if (this.state === State.UntilClose) return this.finish(null);
    if (this.state !== State.Done) throw new ProtocolError("upstream closed before the response was complete");
  }

  private finish(trailers: HeaderList | null): void {
    this.state = State.Done;
    this.sink.onEnd(trailers);
  }

  private chunkSize(buf: Uint8Array, pos: number, lf: number): void {
    if (lf === pos || buf[lf - 1] !== 13) throw new ProtocolError("bare LF in chunk line");
    const end = lf - 1;
    let i = pos;
    let size = 0;
    for (; i < end; i++) {
      const h = hexValue(buf[i]);
      if (h < 0) break;
      size = size * 16 + h;
      if (size > Number.MAX_SAFE_INTEGER) throw new ProtocolError("chunk size overflow");
    }
    if (i === pos) throw new ProtocolError("invalid chunk size");
    if (i < end && !validChunkExtensions(latin1(buf, i, end))) throw new ProtocolError("invalid chunk extension");
    if (size === 0) {
      this.state = State.Trailers;
      return;
    }
    this.remaining = size;
    this.state = State.ChunkData;
  }

  /** `text`: the head up to its final CRLF CRLF, as latin1; it starts at `buf[base]`. */
  private head(text: string, buf: Uint8Array, base: number): void {
    const eol = text.indexOf("\r\n");
    const end = eol < 0 ? text.length : eol;
    STATUS_LINE.lastIndex = 0;
    if (!STATUS_LINE.test(text) || STATUS_LINE.lastIndex !== (eol < 0 ? end : end + 2)) {
      throw new ProtocolError(`malformed status line ${JSON.stringify(text.slice(0, Math.min(end, 64)))}`);
    }
    const http11 = text.charCodeAt(7) === 49; /* 1 */
    const status = (text.charCodeAt(9) - 48) * 100 + (text.charCodeAt(10) - 48) * 10 + (text.charCodeAt(11) - 48);
    // The usual reason as a constant: no substring of the head.
    const reason = end === 15 && text.charCodeAt(13) === 79 && text.charCodeAt(14) === 75 ? "OK" : end <= 13 ? "" : text.slice(13, end);
    // Interim responses (100 Continue, 103 Early Hints): skip, the real head follows.
    if (status < 200 && status !== 101) {
      if (eol >= 0) fields(text.slice(eol + 2));
      return;
    }
    if (eol >= 0 && status !== 101) {
      FIELD_LINES.lastIndex = eol + 2;
      if (FIELD_LINES.test(text) && this.textHead(text, eol + 2, status, http11, reason, buf, base)) return;
    }
    const all = eol < 0 ? [] : fields(text.slice(eol + 2));
    const headers: HeaderList = [];
    let cl = -1;
    let te: string[] | null = null;
    let conn: string[] | null = null;
    let upgrade: string | null = null;
    for (let i = 0; i < all.length; i++) {
      const f = all[i];
      const name = f[0];
      switch (name.length) {
        case 2: // TE
          if (name.toLowerCase() === "te") continue;
          break;
        case 7: {
          const l = name.toLowerCase();
          if (l === "upgrade") {
            upgrade = f[1];
            continue;
          }
          if (l === "trailer") continue;
          break;
        }
        case 10:
          if (name.toLowerCase() === "connection") {
            const tokens = connectionTokens(f[1]);
            conn = conn === null ? tokens : conn.concat(tokens);
            continue;
          }
          if (name.toLowerCase() === "keep-alive") continue;
          break;
        case 14:
          if (name.toLowerCase() === "content-length") {
            cl = contentLength(f[1], cl);
            continue;
          }
          break;
        case 17:
          if (name.toLowerCase() === "transfer-encoding") {
            te = te === null ? listTokens(f[1]) : te.concat(listTokens(f[1]));
            continue;
          }
          break;
      }
      if (name.length > 6 && (name.charCodeAt(0) | 32) === 112 && name.slice(0, 6).toLowerCase() === "proxy-") continue;
      headers.push(f);
    }
    cl = this.frame(status, http11, conn, te, cl);
    // Fields named by Connection are hop-by-hop too (rare: a second pass only then).
    let out = headers;
    if (conn !== null && namesOthers(conn)) {
      const named = conn.filter((t) => t !== "close" && t !== "keep-alive" && t !== "upgrade");
      out = headers.filter((f) => !named.includes(f[0].toLowerCase()));
    }
    this.sink.onHead({ status, reason, headers: out, contentLength: cl, upgrade });
    if (this.state === State.Done && status !== 101) this.finish(null);
  }

  /**
   * Body framing and reuse from the head's fields (RFC 9112 §6.3): sets the
   * state, keepAlive and gotHead; returns the Content-Length to announce
   * (-1 when Transfer-Encoding rules or none was given).
   */
  private frame(status: number, http11: boolean, conn: string[] | null, te: string[] | null, cl: number): number {
    this.gotHead = true;
    let keepAlive = http11 ? conn === null || !conn.includes("close") : conn !== null && conn.includes("keep-alive");
    if (status === 101 || this.isHead || status === 204 || status === 304) {
      this.state = State.Done;
    } else if (te !== null) {
      if (te.length === 0 || te[te.length - 1] !== "chunked") {
        this.state = State.UntilClose;
        keepAlive = false;
      } else {
        if (te.indexOf("chunked") !== te.length - 1) throw new ProtocolError("chunked applied more than once");
        this.state = State.ChunkSize;
      }
      // Transfer-Encoding with Content-Length is a smuggling signal: honour TE, never reuse.
      if (cl >= 0) keepAlive = false;
      cl = -1;
    } else if (cl >= 0) {
      this.remaining = cl;
      this.state = cl === 0 ? State.Done : State.Fixed;
    } else {
      this.state = State.UntilClose;
      keepAlive = false;
    }
    this.keepAlive = status === 101 ? false : keepAlive;
    return cl;
  }

  /**
   * The common case without building a field list: the lines (already
   * validated by FIELD_LINES) are scanned by name length, only the few names
   * that matter here are cut out and compared, and the end-to-end lines pass
   * on as one text block. False (nothing done) when a Connection field names
   * other fields to drop: the list path handles that.
   */
  private textHead(text: string, start: number, status: number, http11: boolean, reason: string, buf: Uint8Array, base: number): boolean {
    // What passes on: ranges of the head (each a run of whole lines), not substrings.
    const ranges: number[] = [];
    let kept = 0;
    let keptFrom = start;
    let lines = 0;
    let cl = -1;
    let te: string[] | null = null;
    let conn: string[] | null = null;
    const len = text.length;
    let pos = start;
    while (pos < len) {
      let end = text.indexOf("\r\n", pos);
      if (end < 0) end = len;
      if (++lines > MAX_FIELDS) throw new ProtocolError("bad response header: too many header fields");
      const colon = text.indexOf(":", pos);
      const n = colon - pos;
      if (n === 2 || n === 7 || n === 10 || n === 14 || n === 17 || (n > 6 && (text.charCodeAt(pos) | 32) === 112)) {
        // Names compared in place (lowerEquals): no string per field.
        let drop = true;
        if (n === 14 && lowerEquals(text, pos, "content-length")) {
          const digits = cl < 0 ? owsDigits(text, colon + 1, end) : -1;
          cl = digits >= 0 ? digits : contentLength(trimOws(text, colon + 1, end), cl);
        }
        else if (n === 17 && lowerEquals(text, pos, "transfer-encoding")) {
          const tokens = listTokens(trimOws(text, colon + 1, end));
          te = te === null ? tokens : te.concat(tokens);
        } else if (n === 10 && lowerEquals(text, pos, "connection")) {
          // The usual values are recognised in place, without a substring.
          const tokens = owsValueIs(text, colon + 1, end, "keep-alive") ? KEEP_ALIVE : owsValueIs(text, colon + 1, end, "close") ? CLOSE : connectionTokens(trimOws(text, colon + 1, end));
          if (namesOthers(tokens)) return false;
          conn = conn === null ? tokens : conn.concat(tokens);
        } else {
          drop =
            (n === 2 && lowerEquals(text, pos, "te")) ||
            (n === 7 && (lowerEquals(text, pos, "upgrade") || lowerEquals(text, pos, "trailer"))) ||
            (n === 10 && lowerEquals(text, pos, "keep-alive")) ||
            (n > 6 && lowerEquals(text, pos, "proxy-"));
        }
        if (drop) {
          if (pos > keptFrom) {
            ranges.push(keptFrom, pos);
            kept += pos - keptFrom;
          }
          keptFrom = end + 2;
        }
      }
      pos = end + 2;
    }
    if (keptFrom < len) {
      // The last line's CRLF is in the bytes, just past the text.
      ranges.push(keptFrom, len + 2);
      kept += len + 2 - keptFrom;
    }
    cl = this.frame(status, http11, conn, te, cl);
    const block = new RangeFieldBlock(text, buf, base, ranges, kept);
    const headers = buf.length <= BYTES_BLOCK_MAX_READ ? block : new FieldBlock(block.text);
    this.sink.onHead({ status, reason, headers, contentLength: cl, upgrade: null });
    if (this.state === State.Done) this.finish(null);
    return true;
  }
}

/** Connection names a field beyond the usual close/keep-alive/upgrade (checked without allocating). */
function namesOthers(tokens: string[]): boolean {
  for (const t of tokens) if (t !== "close" && t !== "keep-alive" && t !== "upgrade") return true;
  return false;
}

function fields(text: string): HeaderList {
  try {
    return parseFieldLines(text, MAX_FIELDS);
  } catch (err) {
    throw new ProtocolError(`bad response header: ${(err as Error).message}`);
  }
}

const KEEP_ALIVE = ["keep-alive"];
const CLOSE = ["close"];
const DIGITS = /^[0-9]{1,15}$/;

/** Connection tokens; the two usual values skip the list parsing (shared arrays: never mutated). */
function connectionTokens(value: string): string[] {
  if (value.length === 10 && lowerEquals(value, 0, "keep-alive")) return KEEP_ALIVE;
  if (value.length === 5 && lowerEquals(value, 0, "close")) return CLOSE;
  return listTokens(value);
}

function contentLength(value: string, prev: number): number {
  if (prev < 0 && DIGITS.test(value)) return Number(value);
  let found = prev;
  for (const part of value.split(",")) {
    const digits = part.trim();
    if (!DIGITS.test(digits)) throw new ProtocolError("bad Content-Length");
    const n = Number(digits);
    if (found >= 0 && n !== found) throw new ProtocolError("conflicting Content-Length");
    found = n;
  }
  return found;
}
