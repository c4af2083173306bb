import { runResponseHeadHooks, type RawExchange, type RawTunnelSocket, type ResponseHeadHook } from "../raw/connection.ts";
import { fieldList, type Fields, type HeaderList, type RequestHead } from "../raw/http1-head.ts";
import type { TlsConnection } from "../raw/raw-socket.ts";
import { CONNECTION_SPECIFIC } from "./request-head.ts";
import type { ResponseFraming } from "../raw/response-writer.ts";

// One HTTP/2 stream as a RawExchange: the request path (routing, raw
// middlewares, socket-to-socket forwarding) is the one HTTP/1.1 takes.
// Frames go out through the connection, which owns flow control.

/** What a stream needs from its connection. */
export interface StreamOwner {
  sendHeaders(stream: H2Stream, status: number, fields: HeaderList, endStream: boolean): void;
  /** Queues body bytes; false when the windows or the socket are full (wait for onDrain). */
  sendData(stream: H2Stream, chunk: Uint8Array, endStream: boolean): boolean;
  sendTrailers(stream: H2Stream, trailers: HeaderList): void;
  /** Gives back this stream's receive window for `bytes` of body the consumer took. */
  consumed(stream: H2Stream, bytes: number): void;
  reset(stream: H2Stream, code: number): void;
}


export class H2Stream implements RawExchange {
  onDrain: (() => void) | null = null;
  onAbort: ((reason: string) => void) | null = null;
  aborted = false;
  readonly protocol = "HTTP/2.0";
  remotePort = 0;
  remoteAddrPort = "";
  /** When the stream opened (performance.now()), for readTimeout and writeTimeout. */
  readonly openedAt = performance.now();
  /** Peer's window for what we send on this stream. */
  sendWindow: number;
  /** What the peer may still send us on this stream. */
  recvWindow: number;
  /** Body bytes received (checked against Content-Length at the end). */
  received = 0;
  /** The client ended its side (END_STREAM). */
  remoteEnded = false;
  /** We ended ours. */
  localEnded = false;
  /** Answered before the request ended: its remaining body is read and dropped. */
  discarding = false;
  discarded = 0;
  /** Data the windows did not let out yet, and whether END_STREAM follows it. */
  pending: Uint8Array[] | null = null;
  pendingEnd = false;
  pendingTrailers: HeaderList | null = null;
  /** A write returned false: tell the consumer when it may go on. */
  wantsDrain = false;
  private headSent = false;
  private headHooks: ResponseHeadHook[] | null = null;
  private onChunk: ((chunk: Uint8Array) => unknown) | null = null;
  private onEnd: ((trailers: HeaderList | null) => void) | null = null;
  /** Body chunks that arrived before readBody(), and the trailers or end. */
  private early: Uint8Array[] | null = null;
  private earlyEnd: HeaderList | null | undefined = undefined;
  private paused = false;
  /** Receive window held back while paused. */
  private unacked = 0;

  constructor(
    readonly id: number,
    private readonly owner: StreamOwner,
    readonly head: RequestHead,
    readonly remoteAddress: string,
    readonly tls: TlsConnection | undefined,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
  }

  // --- from the connection ---

  /** Request body bytes (a view into the frame the connection read). */
  deliver(chunk: Uint8Array): void {
    this.received += chunk.length;
    const onChunk = this.onChunk;
    if (!onChunk) {
      (this.early ??= []).push(chunk);
      return;
    }
    onChunk(chunk);
    this.credit(chunk.length);
  }

  /** END_STREAM from the client, with trailers when they came in a HEADERS frame. */
  endOfRequest(trailers: HeaderList | null): void {
    this.remoteEnded = true;
    const onEnd = this.onEnd;
    if (onEnd) onEnd(trailers);
    else this.earlyEnd = trailers;
  }

  /** The client reset the stream or the connection went away. */
  abort(reason: string): void {
    if (this.aborted || this.localEnded) return;
    this.aborted = true;
    this.onAbort?.(reason);
  }

  // --- RawExchange ---

  readBody(onChunk: (chunk: Uint8Array) => unknown, onEnd: (trailers: HeaderList | null) => void): void {
    this.onChunk = onChunk;
    this.onEnd = onEnd;
    const early = this.early;
    this.early = null;
    if (early) {
      for (const c of early) {
        onChunk(c);
        this.credit(c.length);
      }
    }
    if (this.earlyEnd !== undefined) onEnd(this.earlyEnd);
    else if (this.head.body === "none" && this.remoteEnded) onEnd(null);
  }

  pauseBody(): void {
    this.paused = true;
  }

  resumeBody(): void {
    this.paused = false;
    if (this.unacked > 0) {
      const n = this.unacked;
      this.unacked = 0;
      this.owner.consumed(this, n);
    }
  }

  /** Stream-level window back once the consumer took the bytes (the connection's comes back on receipt). */
  private credit(bytes: number): void {
    if (this.remoteEnded) return;
    if (this.paused) this.unacked += bytes;
    else this.owner.consumed(this, bytes);
  }

  onResponseHead(hook: ResponseHeadHook): void {
    (this.headHooks ??= []).push(hook);
  }

  writeHead(status: number, _reason: string, fields: Fields, framing?: ResponseFraming): void {
    if (this.aborted || this.headSent) return;
    this.headSent = true;
    const list = fieldList(fields);
    const hooks = this.headHooks;
    if (hooks) {
      this.headHooks = null;
      runResponseHeadHooks(hooks, status, list);
    }
    const out: HeaderList = [];
    for (const field of list) {
      const name = field[0].toLowerCase();
      // Content-Length is set below from the framing.
      if (!CONNECTION_SPECIFIC.has(name) && name !== "content-length") out.push([name, field[1]]);
    }
    if (framing?.contentLength !== undefined) out.push(["content-length", String(framing.contentLength)]);
    this.owner.sendHeaders(this, status, out, false);
  }

  write(chunk: Uint8Array): boolean {
    if (this.aborted || this.localEnded) return false;
    if (!this.headSent) this.writeHead(200, "OK", []);
    if (this.head.method === "HEAD") return true;
    return this.owner.sendData(this, chunk, false);
  }

  end(chunk?: Uint8Array, trailers?: HeaderList): void {
    if (this.aborted || this.localEnded) return;
    if (!this.headSent) this.writeHead(200, "OK", [], { contentLength: chunk?.length ?? 0 });
    const body = chunk && this.head.method !== "HEAD" ? chunk : EMPTY;
    if (trailers && trailers.length > 0) {
      if (body.length > 0) this.owner.sendData(this, body, false);
      this.owner.sendTrailers(this, trailers);
    } else {
      this.owner.sendData(this, body, true);
    }
  }

  destroy(_reason: string): void {
    if (this.aborted) return;
    this.aborted = true;
    this.owner.reset(this, 0x2);
  }

  takeOver(): RawTunnelSocket {
    // Upgrades do not exist in HTTP/2 (RFC 8441 WebSockets over h2 are not offered).
    throw new Error("no connection upgrade over HTTP/2");
  }
}

const EMPTY = new Uint8Array(0);
