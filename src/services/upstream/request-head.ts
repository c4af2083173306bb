// Serialises an UpstreamRequest's head for HTTP/1.1 and decides the body
// framing. Values come from a Headers object (already free of CR/LF), but the
// method and target are checked here: they go on the wire verbatim.
import { UpstreamError, type UpstreamRequest } from "./types.ts";

export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" };

export interface RequestHead {
  /** The head as bytes (latin1: header values are byte strings). */
  bytes: Uint8Array | string;
  framing: BodyFraming;
}

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// request-target: no whitespace, no controls, no DEL (request splitting).
const BAD_TARGET = /[\x00-\x20\x7f]/;
// Non-ASCII means latin1 bytes that a UTF-8 string write would mangle.
const NON_ASCII = /[^\x00-\x7f]/;
const BODYLESS_DEFAULT = new Set(["GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"]);

export function buildRequestHead(req: UpstreamRequest): RequestHead {
  if (!METHOD.test(req.method)) throw new UpstreamError("protocol", `invalid method ${JSON.stringify(req.method)}`);
  const target = req.pathAndQuery === "" ? "/" : req.pathAndQuery;
  if (BAD_TARGET.test(target)) throw new UpstreamError("protocol", "invalid request target");

  const host = req.headers.get("host") ?? req.target.host;
  let head = `${req.method} ${target} HTTP/1.1\r\nhost: ${host}\r\n`;
  let contentLength: string | null = null;
  for (const [name, value] of req.headers) {
    // Framing is ours to decide; Host was written first.
    if (name === "host" || name === "transfer-encoding") continue;
    if (name === "content-length") {
      contentLength = value;
      continue;
    }
    head += `${name}: ${value}\r\n`;
  }

  let framing: BodyFraming;
  if (contentLength !== null) {
    if (!/^[0-9]{1,15}$/.test(contentLength)) throw new UpstreamError("protocol", "invalid request Content-Length");
    const length = Number(contentLength);
    head += `content-length: ${length}\r\n`;
    framing = req.body && length > 0 ? { kind: "length", length } : { kind: "none" };
  } else if (req.body) {
    head += "transfer-encoding: chunked\r\n";
    framing = { kind: "chunked" };
  } else {
    // As Go does: a bodyless POST/PUT/PATCH still says so explicitly.
    if (!BODYLESS_DEFAULT.has(req.method)) head += "content-length: 0\r\n";
    framing = { kind: "none" };
  }
  head += "\r\n";
  return { bytes: NON_ASCII.test(head) ? Buffer.from(head, "latin1") : head, framing };
}

const CRLF = Buffer.from("\r\n");
export const LAST_CHUNK = "0\r\n\r\n";
const SMALL_CHUNK = 16 * 1024;

/** One chunk of a chunked body: small ones in one buffer (one write), large ones as three parts (no copy). */
export function chunkFrame(data: Uint8Array): Uint8Array[] {
  const size = Buffer.from(`${data.length.toString(16)}\r\n`);
  if (data.length > SMALL_CHUNK) return [size, data, CRLF];
  const out = new Uint8Array(size.length + data.length + 2);
  out.set(size, 0);
  out.set(data, size.length);
  out.set(CRLF, size.length + data.length);
  return [out];
}
