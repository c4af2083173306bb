// One request to an `h2c://` backend on the raw path: the client's request
// (HTTP/1.1 or an HTTP/2 stream of our own server), trailers included, goes
// out as an HTTP/2 stream, and the response, with its trailers (gRPC's grpc-status lives
// there), is written to the client's exchange as it arrives, with
// backpressure both ways. Same error contract as raw-forward.ts: before the
// response head, the sink hears `failed` and nothing was written; after, the
// client is cut off and `answered` carries `incomplete`.
import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import { STATUS_CODES } from "node:http";
import type { RawExchange } from "../../server/raw/connection.ts";
import { CONNECTION_SPECIFIC } from "../../server/h2/request-head.ts";
import { fieldList, type HeaderList } from "../../server/raw/http1-head.ts";
import type { H2cLease, H2cSessions } from "./h2c-sessions.ts";
import type { RawForwardOutcome } from "./raw-forward-run.ts";
import type { RawForwardRequest, RawForwardSink } from "./raw-types.ts";
import { UpstreamError } from "./types.ts";

/** Fields HTTP/2 forbids (RFC 9113 §8.2.2), and Host, which becomes :authority. */
export const NOT_IN_HTTP2: ReadonlySet<string> = new Set([...CONNECTION_SPECIFIC, "host", "http2-settings"]);

/** Adds a field to a node:http2 header object; a repeated name becomes an array of its values. */
function addField(out: OutgoingHttpHeaders, name: string, value: string): void {
  const had = out[name];
  out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [String(had), value];
}

/** True when the client's own TE field offers trailers (hop-by-hop, so not among the forwarded fields). */
export function acceptsTrailers(received: HeaderList): boolean {
  for (const [name, value] of received) if (name.length === 2 && name.toLowerCase() === "te" && /(^|,)\s*trailers\s*(;|,|$)/i.test(value)) return true;
  return false;
}

/**
 * The request's header block: pseudo-headers first, then the fields HTTP/2
 * allows, repeated names as arrays. `te: trailers` goes on when the client
 * offered it, as Go's ReverseProxy (Traefik) does: gRPC servers expect it.
 */
export function h2cRequestHeaders(req: RawForwardRequest, teTrailers = false): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {
    ":method": req.method,
    ":scheme": "http",
    ":path": req.pathAndQuery,
    ":authority": req.target.host,
  };
  for (const [rawName, value] of fieldList(req.headers)) {
    const name = rawName.toLowerCase();
    if (name === "host") {
      out[":authority"] = value;
      continue;
    }
    // TE may only say "trailers" in HTTP/2 (gRPC clients send exactly that).
    if (NOT_IN_HTTP2.has(name) || (name === "te" && value.trim().toLowerCase() !== "trailers")) continue;
    addField(out, name, value);
  }
  if (teTrailers) out.te = "trailers";
  return out;
}

/** The client's request trailers as an HTTP/2 trailer block (names lowercased, forbidden fields left out). */
export function h2cTrailerBlock(trailers: HeaderList | null): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [rawName, value] of trailers ?? []) {
    const name = rawName.toLowerCase();
    if (!NOT_IN_HTTP2.has(name) && name !== "te" && !name.startsWith(":")) addField(out, name, value);
  }
  return out;
}

/** A received header block as a field list, without pseudo-headers and connection-specific fields. */
export function h2cResponseFields(headers: IncomingHttpHeaders): HeaderList {
  const list: HeaderList = [];
  for (const name of Object.keys(headers)) {
    if (name.startsWith(":") || NOT_IN_HTTP2.has(name)) continue;
    const value = headers[name];
    if (Array.isArray(value)) for (const v of value) list.push([name, v]);
    else if (value !== undefined) list.push([name, String(value)]);
  }
  return list;
}

export class H2cForward {
  private stream: ClientHttp2Stream | null = null;
  private settled = false;
  private headWritten = false;
  private requestSent = false;
  private paused = false;
  private status = 0;
  private bytes = 0;
  private fields: HeaderList = [];
  private trailers: HeaderList | undefined;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly sessions: H2cSessions,
    private readonly req: RawForwardRequest,
    private readonly ex: RawExchange,
    private readonly sink: RawForwardSink<RawForwardOutcome>,
  ) {}

  start(): void {
    const ex = this.ex;
    if (ex.aborted) return this.sink.failed(new UpstreamError("aborted", "client went away"));
    ex.onAbort = (reason) => this.clientAborted(reason);
    ex.onDrain = () => {
      if (!this.paused) return;
      this.paused = false;
      this.stream?.resume();
    };
    this.sessions.acquire(this.req.target, this.req.timeouts).then(
      (lease) => {
        if (this.settled) return lease.release();
        try {
          // With a body, the stream waits for trailers (none is fine: then it just ends).
          const bodyless = this.ex.head.body === "none";
          this.send(lease, lease.session.request(h2cRequestHeaders(this.req, acceptsTrailers(this.ex.head.headers)), { endStream: bodyless, waitForTrailers: !bodyless }));
        } catch (err) {
          lease.release();
          this.fail(new UpstreamError("reset", `HTTP/2 request failed: ${(err as Error).message}`));
        }
      },
      (err: unknown) => this.fail(err instanceof UpstreamError ? err : new UpstreamError("refused", String(err))),
    );
  }

  private send(lease: H2cLease, stream: ClientHttp2Stream): void {
    this.stream = stream;
    stream.on("response", (headers) => this.onHead(headers));
    stream.on("data", (chunk: Uint8Array) => this.onData(chunk));
    stream.on("trailers", (headers) => (this.trailers = h2cResponseFields(headers)));
    stream.on("end", () => this.complete());
    stream.on("error", (err: Error) => this.fail(new UpstreamError("reset", `HTTP/2 stream: ${err.message}`, this.requestSent)));
    stream.on("close", () => {
      lease.release();
      if (!this.settled) this.fail(new UpstreamError("reset", `HTTP/2 stream closed (code ${stream.rstCode ?? "none"}) before the response ended`, this.requestSent));
    });
    if (this.ex.head.body === "none") return this.sent();
    stream.on("drain", () => this.ex.resumeBody());
    this.ex.readBody(
      (chunk) => {
        if (this.settled) return true;
        if (!stream.write(chunk)) this.ex.pauseBody();
        return false; // the stream keeps a reference until its frame is out
      },
      (trailers) => {
        if (this.settled) return;
        stream.once("wantTrailers", () => stream.sendTrailers(h2cTrailerBlock(trailers)));
        stream.end();
        this.sent();
      },
    );
  }

  /** The whole request is out: the response head timeout starts. */
  private sent(): void {
    this.requestSent = true;
    const ms = this.req.timeouts.responseHeaderTimeoutMs;
    if (ms > 0 && !this.headWritten) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.headWritten) this.fail(new UpstreamError("header-timeout", `no response head within ${ms}ms`, true));
      }, ms);
    }
  }

  private onHead(headers: IncomingHttpHeaders): void {
    if (this.settled) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const status = Number(headers[":status"]);
    this.status = status;
    this.fields = h2cResponseFields(headers);
    this.headWritten = true;
    const length = headers["content-length"];
    const contentLength = typeof length === "string" && /^\d+$/.test(length) ? Number(length) : -1;
    this.ex.writeHead(status, STATUS_CODES[status] ?? "", this.fields, contentLength >= 0 ? { contentLength } : undefined);
  }

  private onData(chunk: Uint8Array): void {
    if (this.settled) return;
    this.bytes += chunk.length;
    if (!this.ex.write(chunk) && !this.paused && !this.ex.aborted) {
      this.paused = true;
      this.stream!.pause();
    }
  }

  private complete(): void {
    if (this.settled) return;
    if (!this.headWritten) return this.fail(new UpstreamError("protocol", "HTTP/2 stream ended without a response head", true));
    this.settled = true;
    this.ex.onAbort = null;
    this.ex.onDrain = null;
    this.ex.end(undefined, this.trailers);
    this.sink.answered({ status: this.status, responseBytes: this.bytes, headers: this.fields });
  }

  private fail(err: UpstreamError): void {
    if (!this.settleBroken()) return;
    if (!this.headWritten) return this.sink.failed(err);
    this.ex.destroy(err.message);
    this.sink.answered({ status: this.status, responseBytes: this.bytes, headers: this.fields, incomplete: err.message });
  }

  private clientAborted(reason: string): void {
    if (!this.settleBroken()) return;
    if (!this.headWritten) this.sink.failed(new UpstreamError("aborted", reason, this.requestSent));
    else this.sink.answered({ status: this.status, responseBytes: this.bytes, headers: this.fields, incomplete: reason });
  }

  /** Stops the timer and cancels the stream; false when already settled. */
  private settleBroken(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.ex.onAbort = null;
    this.ex.onDrain = null;
    const stream = this.stream;
    if (stream !== null && !stream.closed) stream.close(0x8); // CANCEL
    return true;
  }
}

export { H2cSessions } from "./h2c-sessions.ts";
