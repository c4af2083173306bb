// The request head sent upstream on the raw path, as a latin1 string (header
// values were decoded as latin1 by the front's parser: it must be written as
// latin1, never as UTF-8, or obs-text bytes would change). Framing is ours: Content-Length
// or Transfer-Encoding from the caller's list are dropped and set from the
// client's actual body framing (a FieldBlock holds none by contract).
import { FieldBlock, RangeFieldBlock, type HeadParts, type HeaderList } from "../../server/raw/http1-head.ts";
import type { RequestHead } from "../../server/raw/http1-parser.ts";

export interface RequestHeadInput {
  method: string;
  pathAndQuery: string;
  headers: HeaderList | FieldBlock;
}

/** Go's transport sends `Content-Length: 0` for these when there is no body; some backends insist (411). */
const WANTS_LENGTH = new Set(["POST", "PUT", "PATCH"]);

/** The head as one latin1 string, or in parts when its fields are received bytes. */
export function requestHead(req: RequestHeadInput, client: RequestHead, upgrade: string | null): string | HeadParts {
  const line = `${req.method} ${req.pathAndQuery} HTTP/1.1\r\n`;
  let tail = "";
  if (client.body === "length") tail = `Content-Length: ${client.contentLength}\r\n`;
  else if (client.body === "chunked") tail = "Transfer-Encoding: chunked\r\n";
  else if (WANTS_LENGTH.has(req.method)) tail = "Content-Length: 0\r\n";
  if (upgrade !== null) tail += `Connection: Upgrade\r\nUpgrade: ${upgrade}\r\n`;
  tail = tail.length === 0 ? "\r\n" : `${tail}\r\n`;
  const headers = req.headers;
  if (headers instanceof RangeFieldBlock) return { line, block: headers, tail };
  return line + (headers instanceof FieldBlock ? headers.text : fieldLinesOf(headers)) + tail;
}

/** The list's lines without the framing fields. */
function fieldLinesOf(headers: HeaderList): string {
  let text = "";
  for (let i = 0; i < headers.length; i++) {
    const f = headers[i];
    const name = f[0];
    // Content-Length (14) or Transfer-Encoding (17): the first letter rules out X-Forwarded-Proto (17) without lower-casing.
    if ((name.length === 14 || name.length === 17) && ((name.charCodeAt(0) | 32) === 99 || (name.charCodeAt(0) | 32) === 116)) {
      const l = name.toLowerCase();
      if (l === "content-length" || l === "transfer-encoding") continue;
    }
    text += `${name}: ${f[1]}\r\n`;
  }
  return text;
}

const CRLF = Buffer.from("\r\n");
const LAST_CHUNK = Buffer.from("0\r\n\r\n");

/** One chunk of a re-chunked request body, as a single buffer (one socket write). */
export function chunkFrame(data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`, "latin1"), data, CRLF]);
}

/** The last chunk, with the client's trailers when it sent any. */
export function lastChunk(trailers: [string, string][] | null): Buffer {
  if (!trailers || trailers.length === 0) return LAST_CHUNK;
  let text = "0\r\n";
  for (const [name, value] of trailers) text += `${name}: ${value}\r\n`;
  return Buffer.from(`${text}\r\n`, "latin1");
}
