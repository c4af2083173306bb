import type { HeaderList } from "../raw/http1-head.ts";
import type { TlsConnection } from "../raw/raw-socket.ts";
import { addrPort, type TimedConnection } from "../raw/connection.ts";
import {
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW,
  ErrorCode,
  Flag,
  FRAME_HEADER_SIZE,
  FrameType,
  goawayFrame,
  H2Error,
  MAX_WINDOW,
  PREFACE,
  rstStreamFrame,
  Setting,
  settingsFrame,
  windowUpdateFrame,
  writeFrameHeader,
} from "./frames.ts";
import { CompressionError, encodeFieldBlock, HpackDecoder } from "./hpack.ts";
import { MalformedRequest, requestHeadOf } from "./request-head.ts";
import { H2Stream, type StreamOwner } from "./stream.ts";

// An HTTP/2 server connection (RFC 9113) on a TLS socket: frames in,
// streams out to the raw request path, responses framed back with flow
// control. Frames written while handling one read, or in one turn of the
// event loop, leave in one socket write.

/** The socket under the connection (node:tls semantics: write buffers, false = wait for drain). */
export interface H2Transport {
  write(data: Uint8Array): boolean;
  end(): void;
  destroy(): void;
}

export interface H2Options {
  onStream(stream: H2Stream): void;
  /** A request refused before routing (malformed, too large), for logs and metrics. */
  onRejected?(status: number, reason: string, remoteAddress: string): void;
  remoteAddress: string;
  remotePort?: number;
  tls?: TlsConnection;
  maxConcurrentStreams?: number;
  /** Decoded request header list limit (name + value + 32 per field). */
  maxHeaderListSize?: number;
  /** SETTINGS_HEADER_TABLE_SIZE: how large a table the client's encoder may use (Traefik's maxDecoderHeaderTableSize). */
  headerTableSize?: number;
}

/** Each stream may send this much before we return window. */
const STREAM_WINDOW = 256 * 1024;
/** The connection as a whole. */
const CONNECTION_WINDOW = 1024 * 1024;
const MAX_FRAME = DEFAULT_MAX_FRAME_SIZE;
/** Client resets tolerated per window before the connection is refused (rapid-reset attacks, CVE-2023-44487). */
const RESET_LIMIT = 1000;
const RESET_WINDOW_MS = 10_000;
/** Control answers (PING and SETTINGS acks, resets) queued while the client is not reading (floods: CVE-2019-9512/9514/9515). */
const BLOCKED_CONTROL_LIMIT = 1000;
const EMPTY = new Uint8Array(0);
/** Request body read and dropped after the response ended, before the stream is reset. */
const DISCARD_LIMIT = 4 * 1024 * 1024;

interface HeaderBlock {
  streamId: number;
  endStream: boolean;
  parts: Uint8Array[];
  size: number;
}

export class H2Connection implements StreamOwner, TimedConnection {
  private readonly streams = new Map<number, H2Stream>();
  private readonly decoder: HpackDecoder;
  /** "ip:port" of the peer, shared by its streams. */
  private readonly remoteAddrPort: string;
  private readonly maxStreams: number;
  private readonly maxHeaderList: number;
  private buffered: Uint8Array | null = null;
  private prefaceSeen = false;
  private settingsSeen = false;
  private lastStreamId = 0;
  private block: HeaderBlock | null = null;
  /** Peer settings. */
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrame = DEFAULT_MAX_FRAME_SIZE;
  /** Connection-level windows: what we may send, and what the peer may send before our next update. */
  private sendWindow = DEFAULT_WINDOW;
  private recvWindow = CONNECTION_WINDOW;
  private recvUnacked = 0;
  /** Streams waiting on a window. */
  private readonly blocked = new Set<H2Stream>();
  private out: Uint8Array[] = [];
  private outBytes = 0;
  /** The last frame queued, while it is a HEADERS frame we may still mark END_STREAM. */
  private lastHeaders: Buffer | null = null;
  private lastHeadersStream = 0;
  private reading = false;
  private flushScheduled = false;
  private socketBlocked = false;
  private goingAway = false;
  private closed = false;
  private resets = 0;
  private resetWindowStart = 0;
  private controlWhileBlocked = 0;

  constructor(
    private readonly transport: H2Transport,
    private readonly opts: H2Options,
  ) {
    this.maxStreams = opts.maxConcurrentStreams ?? 128;
    this.maxHeaderList = opts.maxHeaderListSize ?? 64 * 1024;
    this.remoteAddrPort = addrPort(opts.remoteAddress, opts.remotePort ?? 0);
    const tableSize = opts.headerTableSize ?? 4096;
    this.decoder = new HpackDecoder(tableSize);
    this.queue(
      settingsFrame([
        ...(tableSize !== 4096 ? [[Setting.HEADER_TABLE_SIZE, tableSize] as [number, number]] : []),
        [Setting.MAX_CONCURRENT_STREAMS, this.maxStreams],
        [Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
        [Setting.MAX_HEADER_LIST_SIZE, this.maxHeaderList],
      ]),
    );
    this.queue(windowUpdateFrame(0, CONNECTION_WINDOW - DEFAULT_WINDOW));
    this.flush();
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  // --- transport events ---

  onData(chunk: Uint8Array): void {
    if (this.closed) return;
    let buf = chunk;
    if (this.buffered) {
      buf = Buffer.concat([this.buffered, chunk]);
      this.buffered = null;
    }
    this.reading = true;
    try {
      const used = this.frames(buf);
      if (used < buf.length) this.buffered = buf.subarray(used);
    } catch (err) {
      this.fail(err);
    }
    this.reading = false;
    if (this.recvUnacked > 0 && !this.closed) {
      this.queue(windowUpdateFrame(0, this.recvUnacked));
      this.recvWindow += this.recvUnacked;
      this.recvUnacked = 0;
    }
    this.flush();
  }

  drained(): void {
    this.socketBlocked = false;
    this.controlWhileBlocked = 0;
    for (const s of this.streams.values()) {
      if (s.wantsDrain && !s.pending) {
        s.wantsDrain = false;
        s.onDrain?.();
      }
    }
  }

  /** The socket closed: every open stream is cut. */
  closedByPeer(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.abort("client closed the connection");
    this.streams.clear();
  }

  /**
   * readTimeout and writeTimeout per stream, as Go's HTTP/2 server applies
   * them (Traefik): the request must have arrived whole, and the response
   * been sent, that long after the stream opened; past it the stream is reset.
   */
  checkTimeouts(now: number, readTimeoutMs: number, writeTimeoutMs: number): boolean {
    if (this.closed) return false;
    for (const s of this.streams.values()) {
      let why = "";
      if (readTimeoutMs > 0 && !s.remoteEnded && now - s.openedAt > readTimeoutMs) why = "request read timeout";
      else if (writeTimeoutMs > 0 && !s.localEnded && now - s.openedAt > writeTimeoutMs) why = "response write timeout";
      if (!why) continue;
      this.forget(s);
      this.queue(rstStreamFrame(s.id, ErrorCode.CANCEL));
      s.abort(why);
    }
    return true;
  }

  /** The socket idled out: close when no stream is open. */
  idle(): void {
    if (this.streams.size === 0) this.shutdown();
  }

  /** Graceful stop: GOAWAY, the open streams finish, then the socket closes. */
  shutdown(): void {
    if (this.closed) return;
    if (!this.goingAway) {
      this.goingAway = true;
      this.queue(goawayFrame(this.lastStreamId, ErrorCode.NO_ERROR));
      this.flush();
    }
    if (this.streams.size === 0) this.close();
  }

  /** Forced stop. */
  destroy(): void {
    this.closedByPeer();
    this.transport.destroy();
  }

  // --- frames in ---

  /** Handles every complete frame in `buf`; returns how many octets were used. */
  private frames(buf: Uint8Array): number {
    let pos = 0;
    if (!this.prefaceSeen) {
      if (buf.length < PREFACE.length) {
        if (!PREFACE.subarray(0, buf.length).equals(buf)) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "not an HTTP/2 connection preface");
        return 0;
      }
      if (!PREFACE.equals(buf.subarray(0, PREFACE.length))) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "not an HTTP/2 connection preface");
      this.prefaceSeen = true;
      pos = PREFACE.length;
    }
    while (!this.closed && buf.length - pos >= FRAME_HEADER_SIZE) {
      const length = (buf[pos] << 16) | (buf[pos + 1] << 8) | buf[pos + 2];
      if (length > MAX_FRAME) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, `frame of ${length} octets`);
      if (buf.length - pos < FRAME_HEADER_SIZE + length) break;
      const type = buf[pos + 3];
      const flags = buf[pos + 4];
      const streamId = ((buf[pos + 5] & 0x7f) << 24) | (buf[pos + 6] << 16) | (buf[pos + 7] << 8) | buf[pos + 8];
      const payload = buf.subarray(pos + FRAME_HEADER_SIZE, pos + FRAME_HEADER_SIZE + length);
      pos += FRAME_HEADER_SIZE + length;
      if (!this.settingsSeen && type !== FrameType.SETTINGS) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "the first frame must be SETTINGS");
      try {
        this.frame(type, flags, streamId, payload);
      } catch (err) {
        if (err instanceof H2Error && err.streamId !== undefined) this.streamError(err);
        else throw err;
      }
    }
    return pos;
  }

  private frame(type: number, flags: number, streamId: number, payload: Uint8Array): void {
    if (this.block && type !== FrameType.CONTINUATION) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "header block interrupted");
    switch (type) {
      case FrameType.DATA:
        return this.onDataFrame(flags, streamId, payload);
      case FrameType.HEADERS:
        return this.onHeaders(flags, streamId, payload);
      case FrameType.CONTINUATION:
        return this.onContinuation(flags, streamId, payload);
      case FrameType.PRIORITY:
        if (streamId === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0");
        if (payload.length !== 5) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "PRIORITY size", streamId);
        return;
      case FrameType.RST_STREAM:
        return this.onReset(streamId, payload);
      case FrameType.SETTINGS:
        return this.onSettings(flags, streamId, payload);
      case FrameType.PUSH_PROMISE:
        throw new H2Error(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE from a client");
      case FrameType.PING:
        if (streamId !== 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
        if (payload.length !== 8) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "PING size");
        if (!(flags & Flag.ACK)) {
          this.countControl();
          this.queueFrame(FrameType.PING, Flag.ACK, 0, payload);
        }
        return;
      case FrameType.GOAWAY:
        if (streamId !== 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
        // The client opens no new stream; the open ones finish.
        this.goingAway = true;
        if (this.streams.size === 0) this.close();
        return;
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(streamId, payload);
      default:
        // Unknown frame types are ignored (RFC 9113 §4.1).
        return;
    }
  }

  private onDataFrame(flags: number, streamId: number, payload: Uint8Array): void {
    if (streamId === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0");
    const size = payload.length;
    this.recvWindow -= size;
    if (this.recvWindow < 0) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, "connection window exceeded");
    // The connection's window comes back at once; a stream's when its consumer took the bytes.
    this.recvUnacked += size;
    const stream = this.streams.get(streamId);
    if (!stream) {
      if (streamId > this.lastStreamId) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "DATA on an idle stream");
      // A stream we already closed or reset: drop.
      return;
    }
    if (stream.remoteEnded) throw new H2Error(ErrorCode.STREAM_CLOSED, "DATA after END_STREAM", streamId);
    if (stream.discarding) return this.discard(stream, flags, size);
    stream.recvWindow -= size;
    if (stream.recvWindow < 0) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, "stream window exceeded", streamId);
    const data = flags & Flag.PADDED ? unpad(payload, streamId) : payload;
    // Padding counts against the window but is not body: give it back now.
    if (data.length < size) this.consumed(stream, size - data.length);
    const head = stream.head;
    if (data.length > 0) {
      if (head.body === "none" || (head.body === "length" && stream.received + data.length > head.contentLength)) {
        throw new H2Error(ErrorCode.PROTOCOL_ERROR, "more body than content-length", streamId);
      }
      stream.deliver(data);
    }
    if (flags & Flag.END_STREAM) {
      if (head.body === "length" && stream.received !== head.contentLength) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "less body than content-length", streamId);
      stream.endOfRequest(null);
      this.maybeClose(stream);
    }
  }

  private onHeaders(flags: number, streamId: number, payload: Uint8Array): void {
    if (streamId === 0 || streamId % 2 === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, `HEADERS on stream ${streamId}`);
    let start = 0;
    let end = payload.length;
    if (flags & Flag.PADDED) {
      if (payload.length < 1) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "padding longer than the frame");
      const pad = payload[0];
      start = 1;
      end -= pad;
    }
    if (flags & Flag.PRIORITY) start += 5;
    if (start > end) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "padding longer than the frame");
    const fragment = payload.subarray(start, end);
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (flags & Flag.END_HEADERS) return this.headerBlock(streamId, endStream, fragment);
    this.block = { streamId, endStream, parts: [Buffer.from(fragment)], size: fragment.length };
  }

  private onContinuation(flags: number, streamId: number, payload: Uint8Array): void {
    const block = this.block;
    if (!block || block.streamId !== streamId) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without HEADERS");
    block.size += payload.length;
    // A header block beyond twice the list limit is an attack (CONTINUATION floods), not a request.
    if (block.size > 2 * this.maxHeaderList) throw new H2Error(ErrorCode.ENHANCE_YOUR_CALM, "header block too large");
    block.parts.push(Buffer.from(payload));
    if (!(flags & Flag.END_HEADERS)) return;
    this.block = null;
    this.headerBlock(streamId, block.endStream, Buffer.concat(block.parts));
  }

  private headerBlock(streamId: number, endStream: boolean, fragment: Uint8Array): void {
    let fields;
    try {
      // Always decoded, even for a stream we refuse: the table must stay in step.
      fields = this.decoder.decode(fragment, this.maxHeaderList);
    } catch (err) {
      if (err instanceof CompressionError) throw new H2Error(ErrorCode.COMPRESSION_ERROR, err.message);
      throw err;
    }
    const existing = this.streams.get(streamId);
    if (existing || streamId <= this.lastStreamId) {
      // Trailers end the request; HEADERS on a closed stream is dropped.
      if (!existing) return;
      if (!endStream) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "trailers without END_STREAM", streamId);
      if (existing.remoteEnded) throw new H2Error(ErrorCode.STREAM_CLOSED, "HEADERS after END_STREAM", streamId);
      if (existing.discarding) return this.forget(existing);
      const head = existing.head;
      if (head.body === "length" && existing.received !== head.contentLength) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "less body than content-length", streamId);
      existing.endOfRequest(fields ?? []);
      this.maybeClose(existing);
      return;
    }
    this.lastStreamId = streamId;
    if (this.goingAway || this.streams.size >= this.maxStreams) {
      this.countControl();
      this.queue(rstStreamFrame(streamId, ErrorCode.REFUSED_STREAM));
      return;
    }
    if (fields === null) return this.refuse(streamId, endStream, 431, "Request Header Fields Too Large", "request header list too large");
    let head;
    try {
      head = requestHeadOf(fields, endStream);
    } catch (err) {
      if (!(err instanceof MalformedRequest)) throw err;
      return this.refuse(streamId, endStream, err.status, err.status === 501 ? "Not Implemented" : "Bad Request", err.message);
    }
    const stream = new H2Stream(streamId, this, head, this.opts.remoteAddress, this.opts.tls, this.peerInitialWindow, STREAM_WINDOW);
    stream.remotePort = this.opts.remotePort ?? 0;
    stream.remoteAddrPort = this.remoteAddrPort;
    this.streams.set(streamId, stream);
    if (endStream) stream.endOfRequest(null);
    this.opts.onStream(stream);
  }

  /** Answers a request we will not route (malformed, too large) and ends its stream. */
  private refuse(streamId: number, endStream: boolean, status: number, text: string, reason: string): void {
    const body = Buffer.from(`${text}\n`, "latin1");
    this.queueHeaders(streamId, encodeFieldBlock(status, [["content-type", "text/plain; charset=utf-8"], ["content-length", String(body.length)]]), false);
    this.queueFrame(FrameType.DATA, Flag.END_STREAM, streamId, body);
    this.sendWindow -= body.length;
    if (!endStream) this.queue(rstStreamFrame(streamId, ErrorCode.NO_ERROR));
    this.opts.onRejected?.(status, reason, this.opts.remoteAddress);
  }

  private onReset(streamId: number, payload: Uint8Array): void {
    if (streamId === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0");
    if (payload.length !== 4) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM size");
    if (streamId > this.lastStreamId) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on an idle stream");
    const now = performance.now();
    if (now - this.resetWindowStart > RESET_WINDOW_MS) {
      this.resetWindowStart = now;
      this.resets = 0;
    }
    if (++this.resets > RESET_LIMIT) throw new H2Error(ErrorCode.ENHANCE_YOUR_CALM, "too many stream resets");
    const stream = this.streams.get(streamId);
    if (!stream) return;
    this.forget(stream);
    stream.abort("client reset the stream");
  }

  private onSettings(flags: number, streamId: number, payload: Uint8Array): void {
    if (streamId !== 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    if (flags & Flag.ACK) {
      if (payload.length !== 0) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
      return;
    }
    if (payload.length % 6 !== 0) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS size");
    this.settingsSeen = true;
    for (let i = 0; i < payload.length; i += 6) {
      const id = (payload[i] << 8) | payload[i + 1];
      const value = ((payload[i + 2] << 24) >>> 0) + ((payload[i + 3] << 16) | (payload[i + 4] << 8) | payload[i + 5]);
      if (id === Setting.ENABLE_PUSH && value > 1) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "ENABLE_PUSH above 1");
      if (id === Setting.INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE above 2^31-1");
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const s of this.streams.values()) {
          s.sendWindow += delta;
          if (s.sendWindow > MAX_WINDOW) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, "stream window above 2^31-1");
        }
      }
      if (id === Setting.MAX_FRAME_SIZE) {
        if (value < DEFAULT_MAX_FRAME_SIZE || value > 16777215) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "MAX_FRAME_SIZE out of range");
        this.peerMaxFrame = value;
      }
      // HEADER_TABLE_SIZE: our encoder never indexes. The rest do not concern a server.
    }
    this.countControl();
    this.queueFrame(FrameType.SETTINGS, Flag.ACK, 0, EMPTY);
    this.resume();
  }

  private onWindowUpdate(streamId: number, payload: Uint8Array): void {
    if (payload.length !== 4) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE size");
    const increment = (((payload[0] & 0x7f) << 24) >>> 0) + ((payload[1] << 16) | (payload[2] << 8) | payload[3]);
    if (streamId === 0) {
      if (increment === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, "connection window above 2^31-1");
    } else {
      const stream = this.streams.get(streamId);
      if (increment === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0", streamId);
      if (!stream) return;
      stream.sendWindow += increment;
      if (stream.sendWindow > MAX_WINDOW) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, "stream window above 2^31-1", streamId);
    }
    this.resume();
  }

  // --- StreamOwner: frames out ---

  sendHeaders(stream: H2Stream, status: number, fields: HeaderList, endStream: boolean): void {
    this.queueHeaders(stream.id, encodeFieldBlock(status, fields), endStream);
    if (endStream) this.endedLocally(stream);
  }

  sendTrailers(stream: H2Stream, trailers: HeaderList): void {
    const lower: HeaderList = trailers.map(([n, v]) => [n.toLowerCase(), v]);
    if (stream.pending) {
      stream.pendingTrailers = lower;
      stream.pendingEnd = true;
      return;
    }
    this.queueHeaders(stream.id, encodeFieldBlock(null, lower), true);
    this.endedLocally(stream);
  }

  sendData(stream: H2Stream, chunk: Uint8Array, endStream: boolean): boolean {
    if (stream.pending) {
      if (chunk.length > 0) stream.pending.push(chunk);
      if (endStream) stream.pendingEnd = true;
      stream.wantsDrain = true;
      return false;
    }
    const sent = this.sendSome(stream, chunk, endStream);
    if (sent < chunk.length) {
      stream.pending = [chunk.subarray(sent)];
      stream.pendingEnd = endStream;
      this.blocked.add(stream);
      stream.wantsDrain = true;
      return false;
    }
    if (this.socketBlocked) {
      stream.wantsDrain = true;
      return false;
    }
    return true;
  }

  consumed(stream: H2Stream, bytes: number): void {
    if (stream.remoteEnded || !this.streams.has(stream.id)) return;
    stream.recvWindow += bytes;
    this.queue(windowUpdateFrame(stream.id, bytes));
  }

  reset(stream: H2Stream, code: number): void {
    if (!this.streams.has(stream.id)) return;
    this.forget(stream);
    this.queue(rstStreamFrame(stream.id, code));
  }

  /** Sends what the windows allow of `chunk`; END_STREAM goes with its last byte. Returns the octets sent. */
  private sendSome(stream: H2Stream, chunk: Uint8Array, endStream: boolean): number {
    if (chunk.length === 0) {
      if (endStream) {
        this.queueEnd(stream.id);
        this.endedLocally(stream);
      }
      return 0;
    }
    let off = 0;
    while (off < chunk.length) {
      const room = Math.min(stream.sendWindow, this.sendWindow, this.peerMaxFrame);
      if (room <= 0) break;
      const n = Math.min(room, chunk.length - off);
      const last = off + n === chunk.length;
      this.queueFrame(FrameType.DATA, endStream && last ? Flag.END_STREAM : 0, stream.id, off === 0 && last ? chunk : chunk.subarray(off, off + n));
      stream.sendWindow -= n;
      this.sendWindow -= n;
      off += n;
    }
    if (off === chunk.length && endStream) this.endedLocally(stream);
    return off;
  }

  /** Windows opened: send what streams were holding, and tell their consumers. */
  private resume(): void {
    for (const stream of this.blocked) {
      if (this.sendWindow <= 0) break;
      const pending = stream.pending!;
      stream.pending = null;
      let i = 0;
      for (; i < pending.length; i++) {
        const chunk = pending[i];
        const last = i === pending.length - 1;
        const sent = this.sendSome(stream, chunk, last && stream.pendingEnd && !stream.pendingTrailers);
        if (sent < chunk.length) {
          stream.pending = [chunk.subarray(sent), ...pending.slice(i + 1)];
          break;
        }
      }
      if (stream.pending) continue;
      this.blocked.delete(stream);
      if (stream.pendingTrailers) {
        this.queueHeaders(stream.id, encodeFieldBlock(null, stream.pendingTrailers), true);
        this.endedLocally(stream);
      }
      if (stream.wantsDrain && !this.socketBlocked) {
        stream.wantsDrain = false;
        stream.onDrain?.();
      }
    }
  }

  private endedLocally(stream: H2Stream): void {
    stream.localEnded = true;
    if (stream.remoteEnded) this.forget(stream);
    else if (this.streams.has(stream.id)) {
      // The response is complete before the request (an early 502, 413...). RFC 9113 §8.1
      // allows RST_STREAM(NO_ERROR) here, but clients such as curl then drop the response;
      // like nginx, read and discard the rest of the body instead (bounded).
      stream.discarding = true;
    }
  }

  /** Body of a stream already answered: dropped, its window given back, up to a limit. */
  private discard(stream: H2Stream, flags: number, size: number): void {
    stream.discarded += size;
    if (flags & Flag.END_STREAM) return this.forget(stream);
    if (stream.discarded > DISCARD_LIMIT) {
      // Enough: the client is told to stop.
      this.forget(stream);
      this.queue(rstStreamFrame(stream.id, ErrorCode.NO_ERROR));
      return;
    }
    if (size > 0) this.queue(windowUpdateFrame(stream.id, size));
  }

  private maybeClose(stream: H2Stream): void {
    if (stream.localEnded) this.forget(stream);
  }

  private forget(stream: H2Stream): void {
    this.streams.delete(stream.id);
    this.blocked.delete(stream);
    if (this.goingAway && this.streams.size === 0) queueMicrotask(() => this.close());
  }

  /** A client that makes us answer without reading the answers is flooding: refuse it. */
  private countControl(): void {
    if (this.socketBlocked && ++this.controlWhileBlocked > BLOCKED_CONTROL_LIMIT) {
      throw new H2Error(ErrorCode.ENHANCE_YOUR_CALM, "control frames flood while not reading");
    }
  }

  // --- errors ---

  private streamError(err: H2Error): void {
    const stream = this.streams.get(err.streamId!);
    this.queue(rstStreamFrame(err.streamId!, err.code));
    if (stream) {
      this.forget(stream);
      stream.abort(`HTTP/2 stream error: ${err.message}`);
    }
  }

  private fail(err: unknown): void {
    const code = err instanceof H2Error ? err.code : ErrorCode.INTERNAL_ERROR;
    const message = err instanceof Error ? err.message : String(err);
    this.queue(goawayFrame(this.lastStreamId, code, message));
    this.flush();
    this.closedByPeer();
    this.transport.end();
  }

  private close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.transport.end();
  }

  // --- output ---

  private queueHeaders(streamId: number, block: Uint8Array, endStream: boolean): void {
    const max = this.peerMaxFrame;
    if (block.length <= max) {
      const f = Buffer.allocUnsafe(FRAME_HEADER_SIZE + block.length);
      writeFrameHeader(f, 0, block.length, FrameType.HEADERS, Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0), streamId);
      f.set(block, FRAME_HEADER_SIZE);
      this.queue(f);
      this.lastHeaders = f;
      this.lastHeadersStream = streamId;
      return;
    }
    for (let off = 0; off < block.length; off += max) {
      const part = block.subarray(off, Math.min(block.length, off + max));
      const first = off === 0;
      const last = off + max >= block.length;
      const type = first ? FrameType.HEADERS : FrameType.CONTINUATION;
      const flags = (last ? Flag.END_HEADERS : 0) | (first && endStream ? Flag.END_STREAM : 0);
      this.queueFrame(type, flags, streamId, part);
    }
  }

  /** END_STREAM with no more data: on the HEADERS frame still queued when it is this stream's, else an empty DATA frame. */
  private queueEnd(streamId: number): void {
    if (this.lastHeaders && this.lastHeadersStream === streamId) {
      this.lastHeaders[4] |= Flag.END_STREAM;
      return;
    }
    this.queueFrame(FrameType.DATA, Flag.END_STREAM, streamId, EMPTY);
  }

  private queueFrame(type: number, flags: number, streamId: number, payload: Uint8Array): void {
    const h = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
    writeFrameHeader(h, 0, payload.length, type, flags, streamId);
    this.queue(h);
    if (payload.length > 0) this.queue(payload);
  }

  private queue(bytes: Uint8Array): void {
    this.lastHeaders = null;
    this.out.push(bytes);
    this.outBytes += bytes.length;
    if (!this.reading && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    this.lastHeaders = null;
    if (this.out.length === 0 || this.closed) return;
    const data = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    if (!this.transport.write(data)) this.socketBlocked = true;
  }
}

/** The data of a PADDED frame (RFC 9113 §6.1). */
function unpad(payload: Uint8Array, streamId: number): Uint8Array {
  if (payload.length < 1 || payload[0] >= payload.length) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "padding longer than the frame", streamId);
  return payload.subarray(1, payload.length - payload[0]);
}
