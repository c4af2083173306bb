// Strict, incremental HTTP/1.1 response parser for the pooled upstream client.
// Strictness matters: a lenient parser between two HTTP implementations is
// what makes response splitting / smuggling possible, so anything ambiguous
// (bad status line, obs-fold, conflicting Content-Length, bad chunk size) is
// a protocol error and the connection is never reused.

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

export interface ParsedHead {
  status: number;
  statusText: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 */
  minorVersion: number;
  headers: Headers;
  /** The response allows the connection to be reused (HTTP/1.1, no `Connection: close`, delimited body). */
  keepAlive: boolean;
}

export interface ResponseSink {
  onHead(head: ParsedHead): void;
  onBody(chunk: Uint8Array): void;
  onEnd(): void;
}

export const DEFAULT_MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;

const enum State {
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([0-9]{3})(?: ([^\r\n]*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// field-value: visible chars, SP, HTAB, obs-text; no CTLs (CR/LF/NUL ...).
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const HEX = /^[0-9A-Fa-f]{1,15}$/;

function latin1(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString("latin1");
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export class ResponseParser {
  private state = State.Head;
  private pending: Uint8Array = new Uint8Array(0);
  private remaining = 0;
  private trailerBytes = 0;
  /** Bytes received after the response was complete (the connection is then unusable). */
  extraBytes = 0;
  head: ParsedHead | null = null;

  constructor(
    private readonly sink: ResponseSink,
    private readonly isHeadRequest: boolean,
    private readonly maxHeadBytes = DEFAULT_MAX_HEAD_BYTES,
  ) {}

  get done(): boolean {
    return this.state === State.Done;
  }

  /** True while the body is delimited by the connection closing. */
  get readsUntilClose(): boolean {
    return this.state === State.UntilClose;
  }

  feed(chunk: Uint8Array): void {
    const buf = this.pending.length ? concat(this.pending, chunk) : chunk;
    this.pending = new Uint8Array(0);
    let pos = 0;
    while (pos < buf.length) {
      switch (this.state) {
        case State.Head: {
          const used = this.parseHead(buf, pos);
          if (used < 0) {
            if (buf.length - pos > this.maxHeadBytes) throw new ProtocolError("response head too large");
            this.pending = buf.subarray(pos);
            return;
          }
          pos = used;
          break;
        }
        case State.Fixed: {
          const n = Math.min(this.remaining, buf.length - pos);
          this.sink.onBody(buf.subarray(pos, pos + n));
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) this.finish();
          break;
        }
        case State.UntilClose:
          this.sink.onBody(pos === 0 ? buf : buf.subarray(pos));
          return;
        case State.ChunkSize:
        case State.ChunkDataEnd:
        case State.Trailers: {
          const nl = buf.indexOf(10, pos);
          if (nl < 0) {
            if (buf.length - pos > MAX_CHUNK_LINE) throw new ProtocolError("chunk line too long");
            this.pending = buf.subarray(pos);
            return;
          }
          if (nl - pos > MAX_CHUNK_LINE) throw new ProtocolError("chunk line too long");
          const end = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
          this.chunkLine(latin1(buf, pos, end), nl + 1 - pos);
          pos = nl + 1;
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, buf.length - pos);
          this.sink.onBody(buf.subarray(pos, pos + n));
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.ChunkDataEnd;
          break;
        }
        case State.Done:
          this.extraBytes += buf.length - pos;
          return;
      }
    }
  }

  /** The upstream closed its side: completes a read-until-close body, fails otherwise. */
  eof(): void {
    if (this.state === State.UntilClose) {
      this.finish();
      return;
    }
    if (this.state !== State.Done) throw new ProtocolError("connection closed before the response was complete");
  }

  private finish(): void {
    this.state = State.Done;
    this.sink.onEnd();
  }

  private chunkLine(line: string, rawLength: number): void {
    if (this.state === State.ChunkDataEnd) {
      if (line !== "") throw new ProtocolError("missing CRLF after chunk data");
      this.state = State.ChunkSize;
      return;
    }
    if (this.state === State.Trailers) {
      // Trailers are discarded: nothing downstream can forward them through Bun.serve.
      this.trailerBytes += rawLength;
      if (this.trailerBytes > MAX_TRAILER_BYTES) throw new ProtocolError("trailers too large");
      if (line === "") this.finish();
      else if (line.indexOf(":") <= 0) throw new ProtocolError("malformed trailer line");
      return;
    }
    const semi = line.indexOf(";");
    const sizeText = (semi < 0 ? line : line.slice(0, semi)).replace(/[ \t]+$/, "");
    if (!HEX.test(sizeText)) throw new ProtocolError(`bad chunk size ${JSON.stringify(line.slice(0, 32))}`);
    const size = parseInt(sizeText, 16);
    if (size === 0) {
      this.state = State.Trailers;
      return;
    }
    this.remaining = size;
    this.state = State.ChunkData;
  }

  /** Returns the offset after the head (and after any skipped 1xx heads), or -1 if incomplete. */
  private parseHead(buf: Uint8Array, start: number): number {
    const lines: string[] = [];
    let pos = start;
    for (;;) {
      if (pos - start > this.maxHeadBytes) throw new ProtocolError("response head too large");
      const nl = buf.indexOf(10, pos);
      if (nl < 0) return -1;
      const end = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
      const line = latin1(buf, pos, end);
      pos = nl + 1;
      if (line === "") break;
      lines.push(line);
    }
    if (pos - start > this.maxHeadBytes) throw new ProtocolError("response head too large");
    this.applyHead(lines);
    return pos;
  }

  private applyHead(lines: string[]): void {
    const m = lines.length ? STATUS_LINE.exec(lines[0]!) : null;
    if (!m) throw new ProtocolError(`malformed status line ${JSON.stringify((lines[0] ?? "").slice(0, 64))}`);
    const minorVersion = Number(m[1]);
    const status = Number(m[2]);
    const statusText = m[3] ?? "";
    if (status < 100 || status > 599) throw new ProtocolError(`bad status ${status}`);
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(statusText)) throw new ProtocolError("bad reason phrase");
    const headers = new Headers();
    let contentLength = -1;
    let transferEncoding = "";
    let connection = "";
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new ProtocolError("malformed header line");
      const name = line.slice(0, colon);
      // Rejects obs-fold (leading whitespace) and "Name : value" in one check.
      if (!TOKEN.test(name)) throw new ProtocolError(`bad header name ${JSON.stringify(name.slice(0, 64))}`);
      const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
      if (BAD_VALUE.test(value)) throw new ProtocolError(`bad value for header ${name}`);
      headers.append(name, value);
      const lower = name.length === 14 || name.length === 17 || name.length === 10 ? name.toLowerCase() : "";
      if (lower === "content-length") {
        for (const part of value.split(",")) {
          const v = part.trim();
          if (!/^[0-9]{1,15}$/.test(v)) throw new ProtocolError("bad Content-Length");
          const n = Number(v);
          if (contentLength >= 0 && n !== contentLength) throw new ProtocolError("conflicting Content-Length");
          contentLength = n;
        }
      } else if (lower === "transfer-encoding") {
        transferEncoding = transferEncoding ? `${transferEncoding},${value}` : value;
      } else if (lower === "connection") {
        connection = connection ? `${connection},${value}` : value;
      }
    }
    if (status >= 100 && status < 200 && status !== 101) return; // interim (100 Continue, 103): skip, parse the next head

    const tokens = connection.toLowerCase().split(",").map((t) => t.trim());
    let keepAlive = minorVersion === 1 ? !tokens.includes("close") : false;
    const noBody = this.isHeadRequest || status === 204 || status === 304 || status === 101 || (status >= 100 && status < 200);
    if (status === 101) keepAlive = false; // the connection now speaks another protocol
    if (noBody) {
      this.state = State.Done;
    } else if (transferEncoding) {
      const codings = transferEncoding.toLowerCase().split(",").map((t) => t.trim()).filter(Boolean);
      if (codings[codings.length - 1] === "chunked") {
        if (codings.indexOf("chunked") !== codings.length - 1) throw new ProtocolError("chunked applied twice");
        this.state = State.ChunkSize;
      } else {
        this.state = State.UntilClose;
        keepAlive = false;
      }
      // Transfer-Encoding with Content-Length is a smuggling signal: honour TE, never reuse.
      if (contentLength >= 0) keepAlive = false;
    } else if (contentLength >= 0) {
      this.remaining = contentLength;
      this.state = contentLength === 0 ? State.Done : State.Fixed;
    } else {
      this.state = State.UntilClose;
      keepAlive = false;
    }
    this.head = { status, statusText, minorVersion, headers, keepAlive };
    this.sink.onHead(this.head);
    if (this.state === State.Done) this.sink.onEnd();
  }
}
