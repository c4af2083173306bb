// Writes one HTTP/1.1 response on a raw socket with correct framing:
// Content-Length when known, else chunked (HTTP/1.1) or close-delimited
// (HTTP/1.0); no body for HEAD, 1xx, 204 and 304. The head is held back and
// sent with the first body bytes so that small responses take one write.
import { FieldBlock, RangeFieldBlock, type Fields, type HeadParts, type HeaderList } from "./http1-head.ts";
import { writeLatin1 } from "./scratch.ts";
import type { SocketOut } from "./socket-out.ts";

/** Fields the writer owns: framing and connection management. */
const OWN = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"]);

/** A field the writer sets itself and drops from the headers it is given (`lower`: lower case). */
export function writerOwns(lower: string): boolean {
  return OWN.has(lower);
}

export interface ResponseFraming {
  /** Body length when known. For HEAD/304 it is only announced, nothing is sent. */
  contentLength?: number;
}

/** The usual status line, made once. */
const LINE_200_OK = "HTTP/1.1 200 OK\r\n";

/** `Content-Length: n` + the empty line, for small lengths made once each (flat strings: written without joining). */
const LENGTH_TAILS: string[] = [];
const LENGTH_TAILS_MAX = 4096;

function lengthTail(cl: number): string {
  if (cl >= LENGTH_TAILS_MAX) return `Content-Length: ${cl}\r\n\r\n`;
  return (LENGTH_TAILS[cl] ??= `Content-Length: ${cl}\r\n\r\n`);
}

export class ResponseWriter {
  /** The head to send before the first body bytes, as one string; or, for a RangeFieldBlock on a batching socket, as its parts. */
  private head: string | null = null;
  private headParts: HeadParts | null = null;
  private mode: "none" | "length" | "chunked" | "close" = "none";
  private left = 0;
  started = false;
  finished = false;
  /** False when the framing broke (short body): the connection must close. */
  reusable = true;

  constructor(
    private readonly out: SocketOut,
    private readonly method: string,
    private readonly version: "1.0" | "1.1",
    /** Keep-alive as the request allows it; writeHead may only turn it off. */
    public keepAlive: boolean,
  ) {}

  /** `extraLines`: whole field lines (CRLF-ended) to add after `headers`, none of them a field the writer owns. */
  writeHead(status: number, reason: string, headers: Fields, framing: ResponseFraming = {}, extraLines = ""): void {
    if (this.started) throw new Error("response head already written");
    this.started = true;
    const noBody = this.method === "HEAD" || status < 200 || status === 204 || status === 304;
    const line = status === 200 && reason === "OK" ? LINE_200_OK : `HTTP/1.1 ${status} ${reason}\r\n`;
    // A block of received lines goes out as bytes when the socket batches (copies into its arena).
    const block = headers instanceof RangeFieldBlock && this.out.batching ? headers : null;
    let text = "";
    if (block === null) {
      if (headers instanceof FieldBlock) {
        text = headers.text; // holds none of the fields the writer owns
      } else {
        for (const [name, value] of headers) {
          if (name.length <= 17 && OWN.has(name.toLowerCase())) continue;
          text += `${name}: ${value}\r\n`;
        }
      }
    }
    const cl = framing.contentLength;
    let tail = "";
    if (noBody) {
      if (cl !== undefined && status !== 204 && status >= 200) tail = `Content-Length: ${cl}\r\n`;
      this.mode = "none";
    } else if (cl !== undefined) {
      this.mode = "length";
      this.left = cl;
    } else if (this.version === "1.1") {
      tail = "Transfer-Encoding: chunked\r\n";
      this.mode = "chunked";
    } else {
      this.mode = "close";
      this.keepAlive = false;
    }
    if (this.mode === "length" && this.keepAlive && this.version === "1.1") {
      tail = lengthTail(cl!); // the usual case: one cached string for the framing and the empty line
    } else {
      if (this.mode === "length") tail = `Content-Length: ${cl}\r\n`;
      if (!this.keepAlive) tail += "Connection: close\r\n";
      else if (this.version === "1.0") tail += "Connection: keep-alive\r\n";
      tail += "\r\n";
    }
    if (block !== null) this.headParts = { line, block, tail: extraLines + tail };
    else this.head = line + text + extraLines + tail;
  }

  /** Queues body bytes; false when the socket is saturated (wait for drain). `headroom`: see RawExchange.write. */
  write(chunk: Uint8Array, headroom = 0): boolean {
    if (!this.started || this.finished) throw new Error("write outside a response");
    if (chunk.length === 0) return this.flushHead();
    switch (this.mode) {
      case "none":
        return this.flushHead();
      case "length":
        if (chunk.length > this.left) throw new Error("body longer than Content-Length");
        this.left -= chunk.length;
        return this.send(chunk, headroom);
      case "chunked":
        return this.send(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`, "latin1"), chunk, CRLF]));
      default:
        return this.send(chunk, headroom);
    }
  }

  /** Ends the body (with trailers when chunked). */
  end(chunk?: Uint8Array, trailers?: HeaderList): boolean {
    if (chunk && chunk.length > 0) this.write(chunk);
    this.finished = true;
    if (this.mode === "chunked") {
      let tail = "0\r\n";
      for (const [name, value] of trailers ?? []) tail += `${name}: ${value}\r\n`;
      return this.send(Buffer.from(`${tail}\r\n`, "latin1"));
    }
    if (this.mode === "length" && this.left > 0) this.reusable = false;
    if (this.mode === "close") this.reusable = false;
    return this.flushHead();
  }

  private flushHead(): boolean {
    if (this.headParts !== null) return this.sendParts(null);
    const head = this.head;
    if (head === null) return !this.out.saturated;
    this.head = null;
    return this.out.writeWithHead(head, null);
  }

  /** Body bytes, after the held-back head when it is still pending (one write). */
  private send(chunk: Uint8Array, headroom = 0): boolean {
    if (this.headParts !== null) return this.sendParts(chunk);
    const head = this.head;
    if (head === null) return this.out.write(chunk);
    this.head = null;
    // A big first piece with the upstream's spent head before it: our head
    // goes there, and both leave in one write without copying the body (a
    // head sent on its own costs a send and wakes the client for it alone).
    if (headroom >= head.length) {
      const joined = Buffer.from(chunk.buffer, chunk.byteOffset - head.length, head.length + chunk.length);
      writeLatin1(joined, head, 0);
      return this.out.write(joined);
    }
    return this.out.writeWithHead(head, chunk);
  }

  private sendParts(body: Uint8Array | null): boolean {
    const head = this.headParts!;
    this.headParts = null;
    return this.out.writeParts(head, body);
  }
}

const CRLF = Buffer.from("\r\n");
