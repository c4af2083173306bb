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

/** tchar: "!#$%&'*+-.^_`|~" DIGIT ALPHA. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

/**
 * field-vchar / SP / HTAB: VCHAR, obs-text (0x80-0xFF) and whitespace. CTLs
 * (NUL, bare CR, LF, ...) and DEL are not allowed in values.
 */
const FIELD_CHAR = new Uint8Array(256);
for (let c = 0x21; c <= 0xff; c++) if (c !== 0x7f) FIELD_CHAR[c] = 1;
FIELD_CHAR[SP] = 1;
FIELD_CHAR[HTAB] = 1;

/** Request-target bytes: visible ASCII and obs-text; no CTL, SP or DEL. */
const TARGET_CHAR = new Uint8Array(256);
for (let c = 0x21; c <= 0xff; c++) if (c !== 0x7f) TARGET_CHAR[c] = 1;

export function isTokenByte(b: number): boolean {
  return TCHAR[b] === 1;
}

export function isFieldByte(b: number): boolean {
  return FIELD_CHAR[b] === 1;
}

export function isTargetByte(b: number): boolean {
  return TARGET_CHAR[b] === 1;
}

/** True when s is a non-empty token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (TCHAR[s.charCodeAt(i)] !== 1) return false;
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
