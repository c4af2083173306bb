import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { runResponseHeadHooks, type RawExchange, type RawTunnelSocket, type ResponseHeadHook } from "./connection.ts";
import { fieldList, type Fields, type HeaderList, type RequestHead } from "./http1-head.ts";
import type { ResponseFraming } from "./response-writer.ts";
import type { TlsConnection } from "./raw-socket.ts";

// One HTTP/2 stream seen as a RawExchange, so HTTP/2 requests on a TLS
// entrypoint take the same request path as HTTP/1.1 ones (routing,
// middlewares' raw forms, socket-to-socket forwarding to HTTP/1.1 backends).

/** Connection-specific fields HTTP/2 forbids in a response (RFC 9113 §8.2.2). */
const NOT_IN_H2 = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

/** The request head of a stream, in the raw front's shape. */
export function headOfStream(h: IncomingHttpHeaders, endStream: boolean): RequestHead {
  const headers: HeaderList = [];
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(h)) {
    if (name.startsWith(":") || value === undefined) continue;
    // HTTP/2 may split Cookie into several fields; HTTP/1.1 backends want one (RFC 9113 §8.2.3).
    if (name === "cookie") cookies.push(...(Array.isArray(value) ? value : [value]));
    else if (Array.isArray(value)) for (const v of value) headers.push([name, v]);
    else headers.push([name, value]);
  }
  if (cookies.length > 0) headers.push(["cookie", cookies.join("; ")]);
  const authority = (h[":authority"] as string | undefined) ?? (h.host as string | undefined) ?? "";
  if (h.host === undefined && authority) headers.unshift(["host", authority]);
  const path = (h[":path"] as string | undefined) ?? "/";
  const lengthText = h["content-length"];
  const contentLength = lengthText === undefined ? -1 : Number(lengthText);
  const body: RequestHead["body"] = endStream || contentLength === 0 ? "none" : contentLength > 0 ? "length" : "chunked";
  return {
    method: (h[":method"] as string | undefined) ?? "GET",
    target: path,
    targetForm: "origin",
    path,
    host: authority,
    scheme: null,
    version: "1.1",
    headers,
    body,
    contentLength: Math.max(0, contentLength),
    keepAlive: true,
    expectContinue: false,
    connection: [],
    upgrade: null,
  };
}

export class H2Exchange implements RawExchange {
  onDrain: (() => void) | null = null;
  onAbort: ((reason: string) => void) | null = null;
  aborted = false;
  readonly protocol = "HTTP/2.0";
  private finished = false;
  private headHooks: ResponseHeadHook[] | null = null;

  constructor(
    private readonly stream: ServerHttp2Stream,
    readonly head: RequestHead,
    readonly remoteAddress: string,
    readonly tls?: TlsConnection,
  ) {
    stream.on("drain", () => this.onDrain?.());
    stream.on("close", () => {
      if (!this.finished) this.abort("client closed the stream");
    });
    stream.on("error", () => {});
  }

  readBody(onChunk: (chunk: Uint8Array) => void, onEnd: (trailers: HeaderList | null) => void): void {
    if (this.head.body === "none") return onEnd(null);
    this.stream.on("data", (chunk: Buffer) => onChunk(chunk));
    this.stream.on("end", () => onEnd(null));
  }

  pauseBody(): void {
    this.stream.pause();
  }

  resumeBody(): void {
    this.stream.resume();
  }

  onResponseHead(hook: ResponseHeadHook): void {
    (this.headHooks ??= []).push(hook);
  }

  writeHead(status: number, _reason: string, fields: Fields, framing?: ResponseFraming): void {
    if (this.aborted || this.stream.headersSent) return;
    const headers = fieldList(fields);
    const hooks = this.headHooks;
    if (hooks) {
      this.headHooks = null;
      runResponseHeadHooks(hooks, status, headers);
    }
    const out: OutgoingHttpHeaders = { ":status": status };
    for (const [rawName, value] of headers) {
      const name = rawName.toLowerCase();
      if (NOT_IN_H2.has(name) || name === "content-length") continue;
      const prev = out[name];
      out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
    }
    if (framing?.contentLength !== undefined) out["content-length"] = String(framing.contentLength);
    this.stream.respond(out);
  }

  write(chunk: Uint8Array): boolean {
    if (this.aborted || this.stream.destroyed) return false;
    return this.stream.write(chunk);
  }

  end(chunk?: Uint8Array): void {
    if (this.aborted || this.finished) return;
    if (!this.stream.headersSent) this.writeHead(200, "OK", [], { contentLength: chunk?.length ?? 0 });
    this.finished = true;
    // HEAD answers carry no body even when the upstream framing announced one.
    if (this.head.method === "HEAD" || !chunk) this.stream.end();
    else this.stream.end(chunk);
  }

  abort(reason: string): void {
    if (this.aborted || this.finished) return;
    this.aborted = true;
    this.onAbort?.(reason);
  }

  destroy(_reason: string): void {
    if (this.aborted) return;
    this.aborted = true;
    this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }

  takeOver(): RawTunnelSocket {
    // Upgrades do not exist in HTTP/2 (RFC 8441 WebSockets over h2 are not offered).
    throw new Error("no connection upgrade over HTTP/2");
  }
}
