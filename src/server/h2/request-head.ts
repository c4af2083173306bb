import type { HeaderList, RequestHead } from "../raw/http1-head.ts";
import type { FieldLines } from "./hpack.ts";

// An HTTP/2 request's decoded header block as the raw front's RequestHead,
// checked as RFC 9113 §8.2–8.3 asks: a malformed request is a stream error.

/** Connection-specific fields HTTP/2 forbids in requests and responses (RFC 9113 §8.2.2). */
export const CONNECTION_SPECIFIC = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);
const UPPER = /[A-Z]/;
/** Field name characters (token), lower case only in HTTP/2. */
const NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** Field values: no NUL, CR or LF; no leading or trailing SP/HTAB (RFC 9113 §8.2.1). */
const BAD_VALUE = /[\0\r\n]|^[ \t]|[ \t]$/;

export class MalformedRequest extends Error {
  /** The answer: 400, or 501 for a method we do not proxy. */
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

/** `endStream`: the HEADERS frame ended the stream (no body). */
export function requestHeadOf(fields: FieldLines, endStream: boolean): RequestHead {
  let method = "";
  let scheme = "";
  let path = "";
  let authority: string | null = null;
  let regular = false;
  const headers: HeaderList = [];
  let cookies: string[] | null = null;
  let host: string | null = null;
  let contentLength = -1;
  for (const field of fields) {
    const name = field[0];
    const value = field[1];
    if (name.charCodeAt(0) === 0x3a) {
      if (regular) throw new MalformedRequest("pseudo-header after a regular field");
      if (name === ":method" && !method) method = value;
      else if (name === ":scheme" && !scheme) scheme = value;
      else if (name === ":path" && !path) path = value;
      else if (name === ":authority" && authority === null) authority = value;
      else throw new MalformedRequest(`pseudo-header ${name} repeated or unknown`);
      continue;
    }
    regular = true;
    if (!NAME.test(name)) throw new MalformedRequest(UPPER.test(name) ? `upper-case field name ${name}` : `invalid field name ${name}`);
    if (BAD_VALUE.test(value)) throw new MalformedRequest(`invalid value for ${name}`);
    if (CONNECTION_SPECIFIC.has(name)) throw new MalformedRequest(`connection-specific field ${name}`);
    if (name === "te" && value !== "trailers") throw new MalformedRequest("te other than trailers");
    if (name === "cookie") {
      // HTTP/2 may split Cookie; HTTP/1.1 backends want one (RFC 9113 §8.2.3).
      (cookies ??= []).push(value);
      continue;
    }
    if (name === "host") {
      if (host !== null) throw new MalformedRequest("several host fields");
      host = value;
      continue;
    }
    if (name === "content-length") {
      if (contentLength >= 0 || !/^\d{1,15}$/.test(value)) throw new MalformedRequest("invalid content-length");
      contentLength = Number(value);
    }
    headers.push([name, value]);
  }
  if (!method) throw new MalformedRequest("no :method");
  if (endStream && contentLength > 0) throw new MalformedRequest("content-length with no body");
  if (method === "CONNECT") throw new MalformedRequest("CONNECT is not supported", 501);
  if (!scheme || !path) throw new MalformedRequest("no :scheme or :path");
  if (path !== "*" && path.charCodeAt(0) !== 0x2f) throw new MalformedRequest("invalid :path");
  if (path === "*" && method !== "OPTIONS") throw new MalformedRequest(":path * outside OPTIONS");
  // :authority wins over Host (RFC 9113 §8.3.1); upstream HTTP/1.1 gets it as Host.
  const authorityText = authority ?? host ?? "";
  headers.unshift(["host", authorityText]);
  if (cookies) headers.push(["cookie", cookies.join("; ")]);
  const body: RequestHead["body"] = endStream || contentLength === 0 ? "none" : contentLength > 0 ? "length" : "chunked";
  return {
    method,
    target: path,
    targetForm: path === "*" ? "asterisk" : "origin",
    path,
    host: authorityText,
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
