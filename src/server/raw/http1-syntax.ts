// Byte classes and small validators of HTTP/1.1 syntax (RFC 9110 §5.6,
// RFC 9112 §2-§7), shared by the head parser and the chunked decoder.

/** Status + reason for a request that cannot be served; the connection closes after it. */
export class HttpParseError extends Error {
  constructor(readonly status: number, readonly reason: string) {
    super(`${status} ${reason}`);
    this.name = "HttpParseError";
  }
}

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HTAB = 9;

/** Where text[from, to) starts once leading OWS (SP and HTAB only: NBSP and other bytes belong to the value) is skipped. */
function owsStart(text: string, from: number, to: number): number {
  while (from < to && (text.charCodeAt(from) === SP || text.charCodeAt(from) === HTAB)) from++;
  return from;
}

/** Where text[from, to) ends once trailing OWS is cut. */
function owsEnd(text: string, from: number, to: number): number {
  while (to > from && (text.charCodeAt(to - 1) === SP || text.charCodeAt(to - 1) === HTAB)) to--;
  return to;
}

/** text[from, to) without surrounding OWS. */
export function trimOws(text: string, from: number, to: number): string {
  const start = owsStart(text, from, to);
  return text.slice(start, owsEnd(text, start, to));
}

/** text[from, to) without surrounding OWS is exactly `lower`, ignoring ASCII case (see lowerEquals): no substring made. */
export function owsValueIs(text: string, from: number, to: number, lower: string): boolean {
  const start = owsStart(text, from, to);
  return owsEnd(text, start, to) - start === lower.length && lowerEquals(text, start, lower);
}

/**
 * text[from, to) is OWS, 1 to 15 digits, OWS: the number; otherwise -1 (the
 * caller then parses the value the long way: lists, errors). No substring made.
 */
export function owsDigits(text: string, from: number, to: number): number {
  from = owsStart(text, from, to);
  to = owsEnd(text, from, to);
  if (to === from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * text[at, at + lower.length) equals `lower` (lower-case letters and "-")
 * ignoring ASCII case, without the allocations of slice().toLowerCase().
 * Only for field names and values already validated: no CTL such as CR
 * (0x0d), which would compare equal to "-" here.
 */
export function lowerEquals(text: string, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((text.charCodeAt(at + i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

export function hexValue(b: number): number {
  return HEX[b];
}

/**
 * Comma-separated list elements, trimmed of OWS, lower-cased, empty elements
 * dropped (RFC 9110 §5.6.1: recipients ignore them).
 */
export function listTokens(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(",")) {
    const t = part.replace(/^[ \t]+|[ \t]+$/g, "").toLowerCase();
    if (t.length > 0) out.push(t);
  }
  return out;
}

/**
 * Chunk extensions after the chunk size: *( BWS ";" BWS name [ BWS "=" BWS
 * ( token / quoted-string ) ] ) BWS. Their meaning is ignored, but their
 * syntax is checked so that nothing odd hides in a chunk line.
 */
const CHUNK_EXT = /^(?:[ \t]*;[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*=[ \t]*(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t !#-\[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?)*[ \t]*$/;

export function validChunkExtensions(s: string): boolean {
  return s.length === 0 || CHUNK_EXT.test(s);
}

/** uri-host [":" port]: reg-name / IPv4 / "[" IP-literal "]", port digits. Empty is allowed. */
const HOST_VALUE = /^(?:\[[0-9A-Fa-f:.vV\-_~!$&'()*+,;=]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

export function validHost(s: string): boolean {
  return HOST_VALUE.test(s);
}
