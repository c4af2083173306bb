// Parses one complete HTTP/1.1 request head (request line + header section)
// strictly, and derives its framing (RFC 9112 §6): the body length, keep-alive,
// Expect. Whatever a downstream server could read differently is rejected.
import { HTAB, HttpParseError, SP, listTokens, lowerEquals, trimOws, validHost } from "./http1-syntax.ts";
import { writeLatin1 } from "./scratch.ts";

export type HeaderList = Array<[name: string, value: string]>;

/**
 * Field lines kept as the text they arrived in ("Name: value\r\n" each,
 * already validated): written out as they are, and parsed into a list only
 * when something needs one (a middleware hook, HTTP/2, a tunnel head).
 * Holds no framing or connection-management fields.
 */
export class FieldBlock {
  private parsed: HeaderList | null = null;
  constructor(protected joined: string) {}

  get text(): string {
    return this.joined;
  }

  get list(): HeaderList {
    // Checked when the block was made: split only.
    return (this.parsed ??= splitValidLines(this.text.slice(0, -2), Number.MAX_SAFE_INTEGER, []));
  }
}

/**
 * A FieldBlock that is a few ranges of a head as received: `bytes` (the
 * socket read) holds the head from `base` on, and `source` is the same head
 * as latin1 text. A writer that can copy bytes (copyTo) sends the ranges
 * without making a string of them: each substring JSC makes costs an
 * allocation, and joining them another plus a copy. The text is made only
 * when something asks for it. The bytes must not change until the head is
 * written (socket reads are fresh buffers).
 */
export class RangeFieldBlock extends FieldBlock {
  constructor(
    private readonly source: string,
    private readonly bytes: Uint8Array,
    private readonly base: number,
    /** Pairs of [from, to) offsets into `source`, in order; each range ends with CRLF. */
    private readonly ranges: number[],
    /** Total length of the ranges and the suffix. */
    readonly byteLength: number,
    /** Lines of our own after the ranges (e.g. X-Forwarded-*), as text. */
    private readonly suffix = "",
  ) {
    super("");
  }

  override get text(): string {
    if (this.joined.length === 0 && this.byteLength > 0) {
      let text = "";
      for (let i = 0; i < this.ranges.length; i += 2) {
        const to = this.ranges[i + 1]!;
        // The head text stops before the last line's CRLF; the bytes have it.
        text += to > this.source.length ? `${this.source.slice(this.ranges[i])}\r\n` : this.source.slice(this.ranges[i], to);
      }
      this.joined = text + this.suffix;
    }
    return this.joined;
  }

  /** Copies the ranges' bytes into `into` at `offset`; returns the byte count. */
  copyTo(into: Uint8Array, offset: number): number {
    let at = offset;
    for (let i = 0; i < this.ranges.length; i += 2) {
      const from = this.base + this.ranges[i]!;
      const to = this.base + this.ranges[i + 1]!;
      copyBytes.call(this.bytes, into, at, from, to);
      at += to - from;
    }
    if (this.suffix.length > 0) at += writeLatin1(into as Buffer, this.suffix, at);
    return at - offset;
  }
}

/**
 * A message head whose field lines are a RangeFieldBlock: the start line,
 * the block, and our own closing lines (framing, the empty line). Writers
 * that batch copy the block's bytes (BatchSlot.holdParts); others write
 * headPartsText().
 */
export interface HeadParts {
  line: string;
  block: RangeFieldBlock;
  tail: string;
}

export function headPartsText(parts: HeadParts): string {
  return parts.line + parts.block.text + parts.tail;
}

/**
 * Socket reads up to this size may back a RangeFieldBlock (or
 * RequestHead.received): a bigger one (a head and much body) would stay in
 * memory for as long as the block, i.e. the whole exchange.
 */
export const BYTES_BLOCK_MAX_READ = 16 * 1024;

/** Buffer's copy on any Uint8Array (a socket read is not a Buffer; a view of one would allocate). */
const copyBytes = Buffer.prototype.copy as (this: Uint8Array, target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number) => number;

/** Response fields as a list, or as the text block they came in. */
export type Fields = HeaderList | FieldBlock;

export function fieldList(fields: Fields): HeaderList {
  return fields instanceof FieldBlock ? fields.list : fields;
}

/**
 * Where a request's field lines came from, so they can be sent on as the
 * bytes they arrived in (forward-headers.ts) while nothing changed them:
 * `pairs` is the field list as parsed (pair by pair, the same arrays), and
 * spans[2i], spans[2i+1] the line of pairs[i] in `text` (CRLF included;
 * the last one's CRLF lies just past `text`, in `bytes`). `bytes` holds the
 * head from `base` on.
 */
export interface ReceivedFields {
  text: string;
  bytes: Uint8Array;
  base: number;
  spans: number[];
  pairs: HeaderList;
}

export interface RequestHead {
  method: string;
  /** The request-target as sent. */
  target: string;
  targetForm: "origin" | "absolute" | "asterisk";
  /** Path and query to route on ("/a?b"); "*" for OPTIONS *. */
  path: string;
  /** Authority: the absolute-form target's, else the Host header's (RFC 9112 §3.2.2). */
  host: string;
  /** Scheme of an absolute-form target, else null. */
  scheme: string | null;
  version: "1.0" | "1.1";
  /**
   * Field lines in order, names as sent, values without surrounding OWS.
   * To change one, replace or remove its pair; never mutate a pair in place
   * (the fast path compares pairs with `received.pairs` by identity).
   */
  headers: HeaderList;
  /** The field lines as received, when the parser had the bytes. */
  received?: ReceivedFields;
  /** Body framing: "none" (no body), "length" (contentLength bytes) or "chunked". */
  body: "none" | "length" | "chunked";
  contentLength: number;
  /** Connection stays open after this exchange (HTTP/1.1 default, HTTP/1.0 only with keep-alive). */
  keepAlive: boolean;
  expectContinue: boolean;
  /** Lower-cased Connection tokens (hop-by-hop fields they name must be dropped). */
  connection: string[];
  /** The Upgrade field when Connection names it, else null. */
  upgrade: string | null;
}

export interface HeadLimits {
  maxHeaders: number;
  /** Largest Content-Length accepted (413 beyond). */
  maxBodyBytes: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RequestHead.connection when no Connection field was sent (frozen: shared by every such request). */
const NO_TOKENS: string[] = Object.freeze([]) as unknown as string[];
/** Visible ASCII and obs-text; no CTL, SP or DEL. */
const TARGET = /^[\x21-\x7e\x80-\xff]+$/;

/**
 * A well-formed request line at the start of a head, tested in place (no
 * copy of the line is made: every substring of the head costs an allocation
 * and, once read, a lock in JSC). Anything else goes to requestLineError.
 */
const REQUEST_LINE = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [\x21-\x7e\x80-\xff]+ HTTP\/1\.[01](?:\r\n|$)/y;

/** The usual methods as constants, so the request line needs one substring (the target). */
const METHODS = ["GET", "PUT", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"];

/** The method ending at `end` (case-sensitive): a constant for the usual ones. */
function methodAt(text: string, end: number): string {
  for (let i = 0; i < METHODS.length; i++) {
    const m = METHODS[i]!;
    if (m.length === end && startsWithExactly(text, m)) return m;
  }
  return text.slice(0, end);
}

function startsWithExactly(text: string, prefix: string): boolean {
  for (let i = 0; i < prefix.length; i++) if (text.charCodeAt(i) !== prefix.charCodeAt(i)) return false;
  return true;
}

/** Validates and splits `method SP target SP version` at the start of `text` (the line ends at `eol`, -1 = end of text). */
function requestLine(text: string, eol: number): { method: string; target: string; version: "1.0" | "1.1" } {
  const end = eol < 0 ? text.length : eol;
  REQUEST_LINE.lastIndex = 0;
  // No part of the pattern matches CR or LF: a match ends at the first CRLF, which must be the line's.
  if (!REQUEST_LINE.test(text) || REQUEST_LINE.lastIndex !== (eol < 0 ? end : end + 2)) requestLineError(text.slice(0, end));
  let sp1 = 0;
  while (text.charCodeAt(sp1) !== 32) sp1++; // the method is a token: the first space ends it
  const sp2 = end - 9; // " HTTP/1.x"
  const version = text.charCodeAt(end - 1) === 49 /* 1 */ ? "1.1" : "1.0";
  return { method: methodAt(text, sp1), target: text.slice(sp1 + 1, sp2), version };
}

/** Why a request line is not well-formed (it always throws). */
function requestLineError(text: string): never {
  const sp1 = text.indexOf(" ");
  const sp2 = sp1 < 0 ? -1 : text.indexOf(" ", sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || text.indexOf(" ", sp2 + 1) >= 0) throw new HttpParseError(400, "malformed request line");
  const method = text.slice(0, sp1);
  const target = text.slice(sp1 + 1, sp2);
  const version = text.slice(sp2 + 1);
  if (!TOKEN.test(method)) throw new HttpParseError(400, "invalid method");
  if (!TARGET.test(target)) throw new HttpParseError(400, "invalid request target");
  if (/^HTTP\/\d\.\d$/.test(version) && version !== "HTTP/1.1" && version !== "HTTP/1.0") throw new HttpParseError(505, "HTTP version not supported");
  throw new HttpParseError(400, "malformed HTTP version");
}

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)$/;

function classifyTarget(method: string, target: string): Pick<RequestHead, "targetForm" | "path" | "scheme"> & { authority: string | null } {
  if (method === "CONNECT") throw new HttpParseError(501, "CONNECT not supported");
  if (target.charCodeAt(0) === 47 /* / */) {
    if (target.includes("#")) throw new HttpParseError(400, "fragment in request target");
    return { targetForm: "origin", path: target, scheme: null, authority: null };
  }
  if (target === "*") {
    if (method !== "OPTIONS") throw new HttpParseError(400, "asterisk-form only for OPTIONS");
    return { targetForm: "asterisk", path: "*", scheme: null, authority: null };
  }
  const m = ABSOLUTE.exec(target);
  if (!m) throw new HttpParseError(400, "invalid request target");
  const scheme = m[1].toLowerCase();
  if (scheme !== "http" && scheme !== "https") throw new HttpParseError(400, "unsupported target scheme");
  const authority = m[2];
  if (authority.length === 0 || authority.includes("@") || !validHost(authority)) throw new HttpParseError(400, "invalid target authority");
  const rest = m[3];
  return { targetForm: "absolute", path: rest.length === 0 ? "/" : rest[0] === "?" ? `/${rest}` : rest, scheme, authority };
}

/**
 * One field line: token ":" OWS value OWS. No whitespace before the colon and
 * no obs-fold (a line starting with whitespace fails the token); value bytes
 * are VCHAR, obs-text, SP and HTAB only (no NUL, bare CR or LF, DEL).
 * A regex is used because JSC compiles it: faster than a byte loop in JS.
 */
const FIELD_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;

function fieldLine(line: string, into: HeaderList): void {
  if (!FIELD_LINE.test(line)) {
    const first = line.charCodeAt(0);
    if (first === SP || first === HTAB) throw new HttpParseError(400, "obsolete line folding");
    throw new HttpParseError(400, "malformed field line");
  }
  const colon = line.indexOf(":");
  into.push([line.slice(0, colon), trimOws(line, colon + 1, line.length)]);
}

/**
 * A whole section of valid field lines ("\r\n"-separated, no final CRLF),
 * from lastIndex: FIELD_LINE's check for every line in one compiled pass.
 */
export const FIELD_LINES = /(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*\r\n)*[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/y;

/**
 * Field lines of a header or trailer section ("\r\n"-separated, no empty
 * line), from `start` to the end of `text`; with `spans`, where each line is
 * (see ReceivedFields).
 */
export function parseFieldLines(text: string, maxFields: number, start = 0, spans: number[] | null = null): HeaderList {
  const out: HeaderList = [];
  if (text.length <= start) return out;
  FIELD_LINES.lastIndex = start;
  if (FIELD_LINES.test(text)) return splitValidLines(text, maxFields, out, start, spans);
  // Something is wrong: line by line, to say what.
  for (const line of text.slice(start).split("\r\n")) {
    if (out.length >= maxFields) throw new HttpParseError(431, "too many header fields");
    fieldLine(line, out);
  }
  return out;
}

/** Splits lines FIELD_LINES accepted: no per-line checks left but the count. */
function splitValidLines(text: string, maxFields: number, out: HeaderList, start = 0, spans: number[] | null = null): HeaderList {
  const len = text.length;
  let pos = start;
  while (pos < len) {
    if (out.length >= maxFields) throw new HttpParseError(431, "too many header fields");
    let end = text.indexOf("\r\n", pos);
    if (end < 0) end = len;
    const colon = text.indexOf(":", pos);
    out.push([text.slice(pos, colon), trimOws(text, colon + 1, end)]);
    if (spans !== null) spans.push(pos, end + 2);
    pos = end + 2;
  }
  return out;
}

function contentLength(values: string[], maxBodyBytes: number): number {
  let found = -1;
  for (const value of values) {
    for (const part of value.split(",")) {
      const digits = part.replace(/^[ \t]+|[ \t]+$/g, "");
      if (!/^\d{1,16}$/.test(digits)) throw new HttpParseError(400, "invalid Content-Length");
      const n = Number(digits);
      if (!Number.isSafeInteger(n)) throw new HttpParseError(400, "invalid Content-Length");
      if (found >= 0 && n !== found) throw new HttpParseError(400, "conflicting Content-Length");
      found = n;
    }
  }
  if (found > maxBodyBytes) throw new HttpParseError(413, "request body too large");
  return found;
}

/**
 * Parses a head whose lines are CRLF-separated (no final empty line). With
 * `bytes` (the read the head came in, from `base` on, final CRLF CRLF
 * included) no bigger than BYTES_BLOCK_MAX_READ, the result keeps where
 * each field line came from (`received`).
 */
export function parseRequestHead(text: string, limits: HeadLimits, bytes?: Uint8Array, base = 0): RequestHead {
  const eol = text.indexOf("\r\n");
  const line = requestLine(text, eol);
  const form = classifyTarget(line.method, line.target);
  const spans = bytes !== undefined && bytes.length <= BYTES_BLOCK_MAX_READ ? [] : null;
  const headers = eol < 0 ? [] : parseFieldLines(text, limits.maxHeaders, eol + 2, spans);
  const received = spans !== null && spans.length > 0 ? { text, bytes: bytes!, base, spans, pairs: headers.slice() } : undefined;
  let hosts = 0;
  let hostValue = "";
  // Made only when their fields are there: most requests have none of them.
  let cl: string[] | null = null;
  let te: string[] | null = null;
  let connection = NO_TOKENS;
  let expect: string | null = null;
  let upgrade: string | null = null;
  // Names compared in place (lowerEquals, switched on length): no lower-cased copies.
  for (const [name, value] of headers) {
    switch (name.length) {
      case 4:
        if (lowerEquals(name, 0, "host")) {
          hosts++;
          hostValue = value;
        }
        break;
      case 6:
        if (lowerEquals(name, 0, "expect")) expect = expect === null ? value : `${expect},${value}`;
        break;
      case 7:
        if (lowerEquals(name, 0, "upgrade")) upgrade = value;
        break;
      case 10:
        if (lowerEquals(name, 0, "connection")) connection = connection === NO_TOKENS ? listTokens(value) : connection.concat(listTokens(value));
        break;
      case 14:
        if (lowerEquals(name, 0, "content-length")) (cl ??= []).push(value);
        break;
      case 17:
        // An empty value still signals TE framing: te is set (maybe empty) whenever the field is there.
        if (lowerEquals(name, 0, "transfer-encoding")) te = te === null ? listTokens(value) : te.concat(listTokens(value));
        break;
    }
  }
  if (hosts > 1) throw new HttpParseError(400, "duplicate Host");
  if (hosts === 0 && line.version === "1.1") throw new HttpParseError(400, "missing Host");
  if (hosts === 1 && !validHost(hostValue)) throw new HttpParseError(400, "invalid Host");
  let body: RequestHead["body"] = "none";
  let length = 0;
  if (te !== null) {
    if (line.version === "1.0") throw new HttpParseError(400, "Transfer-Encoding in HTTP/1.0");
    if (cl !== null) throw new HttpParseError(400, "both Content-Length and Transfer-Encoding");
    if (te.length === 0 || te[te.length - 1] !== "chunked") throw new HttpParseError(400, "Transfer-Encoding must end in chunked");
    if (te.length > 1) {
      if (te.indexOf("chunked") !== te.length - 1) throw new HttpParseError(400, "chunked applied more than once");
      throw new HttpParseError(501, `transfer coding ${te[0]} not implemented`);
    }
    body = "chunked";
  } else if (cl !== null) {
    length = contentLength(cl, limits.maxBodyBytes);
    body = length > 0 ? "length" : "none";
  }
  let expectContinue = false;
  if (expect !== null && line.version === "1.1") {
    // RFC 9110 §10.1.1: 100-continue is the only expectation defined; others get 417.
    const tokens = listTokens(expect);
    if (tokens.length !== 1 || tokens[0] !== "100-continue") throw new HttpParseError(417, "unsupported expectation");
    expectContinue = true;
  }
  const close = connection.includes("close");
  const keepAlive = !close && (line.version === "1.1" || connection.includes("keep-alive"));
  return {
    method: line.method,
    target: line.target,
    targetForm: form.targetForm,
    path: form.path,
    host: form.authority ?? hostValue,
    scheme: form.scheme,
    version: line.version,
    headers,
    body,
    contentLength: length,
    keepAlive,
    expectContinue,
    connection,
    upgrade: connection.includes("upgrade") ? upgrade : null,
    received,
  };
}
