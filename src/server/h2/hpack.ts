import { huffmanDecode, HuffmanError } from "./huffman.ts";

// HPACK (RFC 7541) for an HTTP/2 server: a decoder with the dynamic table
// for request headers, and an encoder for responses that never indexes
// (literals with static-table names), so it keeps no state to get wrong.

/** RFC 7541 Appendix A. */
const STATIC: ReadonlyArray<readonly [string, string]> = [
  [":authority", ""], [":method", "GET"], [":method", "POST"], [":path", "/"], [":path", "/index.html"],
  [":scheme", "http"], [":scheme", "https"], [":status", "200"], [":status", "204"], [":status", "206"],
  [":status", "304"], [":status", "400"], [":status", "404"], [":status", "500"], ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"], ["accept-language", ""], ["accept-ranges", ""], ["accept", ""],
  ["access-control-allow-origin", ""], ["age", ""], ["allow", ""], ["authorization", ""], ["cache-control", ""],
  ["content-disposition", ""], ["content-encoding", ""], ["content-language", ""], ["content-length", ""],
  ["content-location", ""], ["content-range", ""], ["content-type", ""], ["cookie", ""], ["date", ""], ["etag", ""],
  ["expect", ""], ["expires", ""], ["from", ""], ["host", ""], ["if-match", ""], ["if-modified-since", ""],
  ["if-none-match", ""], ["if-range", ""], ["if-unmodified-since", ""], ["last-modified", ""], ["link", ""],
  ["location", ""], ["max-forwards", ""], ["proxy-authenticate", ""], ["proxy-authorization", ""], ["range", ""],
  ["referer", ""], ["refresh", ""], ["retry-after", ""], ["server", ""], ["set-cookie", ""],
  ["strict-transport-security", ""], ["transfer-encoding", ""], ["user-agent", ""], ["vary", ""], ["via", ""],
  ["www-authenticate", ""],
];

/** First static index of each name (for literals with an indexed name). */
const STATIC_NAME = new Map<string, number>();
STATIC.forEach(([name], i) => {
  if (!STATIC_NAME.has(name)) STATIC_NAME.set(name, i + 1);
});

/** Per-entry overhead of the dynamic table (RFC 7541 §4.1). */
const ENTRY_OVERHEAD = 32;

export class CompressionError extends Error {}

/** Decoded field lines, names as sent (HTTP/2 requires them in lower case: the caller checks). */
export type FieldLines = Array<[string, string]>;

export class HpackDecoder {
  /** Newest last. */
  private readonly entries: Array<[string, string]> = [];
  private size = 0;
  private maxSize: number;

  /** `limit` is the SETTINGS_HEADER_TABLE_SIZE we announced: the encoder may not go above it. */
  constructor(private readonly limit = 4096) {
    this.maxSize = limit;
  }

  /**
   * Decodes one header block. Stops with a CompressionError (a connection
   * error) on malformed input; `maxListSize` bounds the decoded list
   * (name + value + 32 per field, as SETTINGS_MAX_HEADER_LIST_SIZE) and
   * returns null past it, after decoding the whole block so the table stays in step.
   */
  decode(buf: Uint8Array, maxListSize: number): FieldLines | null {
    const out: FieldLines = [];
    let listSize = 0;
    let pos = 0;
    const end = buf.length;
    let fieldsSeen = false;
    while (pos < end) {
      const b = buf[pos];
      let name: string;
      let value: string;
      if (b & 0x80) {
        // Indexed field.
        const r = readInt(buf, pos, 7);
        pos = r.next;
        [name, value] = this.entry(r.value);
      } else if ((b & 0xe0) === 0x20) {
        // Dynamic table size update: only before the first field.
        if (fieldsSeen) throw new CompressionError("table size update after a field");
        const r = readInt(buf, pos, 5);
        pos = r.next;
        if (r.value > this.limit) throw new CompressionError(`table size ${r.value} above the ${this.limit} allowed`);
        this.maxSize = r.value;
        this.evict(0);
        continue;
      } else {
        // Literal: with incremental indexing (01), without (0000) or never indexed (0001).
        const indexing = (b & 0xc0) === 0x40;
        const r = readInt(buf, pos, indexing ? 6 : 4);
        pos = r.next;
        if (r.value === 0) {
          const n = readString(buf, pos);
          name = n.text;
          pos = n.next;
        } else {
          name = this.entry(r.value)[0];
        }
        const v = readString(buf, pos);
        value = v.text;
        pos = v.next;
        if (indexing) this.add(name, value);
      }
      fieldsSeen = true;
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      out.push([name, value]);
    }
    return listSize > maxListSize ? null : out;
  }

  private entry(index: number): [string, string] {
    if (index === 0) throw new CompressionError("index 0");
    if (index <= STATIC.length) return STATIC[index - 1] as [string, string];
    const i = this.entries.length - (index - STATIC.length);
    if (i < 0) throw new CompressionError(`index ${index} beyond the table`);
    return this.entries[i];
  }

  private add(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    // An entry larger than the table empties it and is not added (RFC 7541 §4.4).
    this.evict(size);
    if (size > this.maxSize) return;
    this.entries.push([name, value]);
    this.size += size;
  }

  /** Drops the oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    let drop = 0;
    while (this.size + room > this.maxSize && drop < this.entries.length) {
      const [n, v] = this.entries[drop++];
      this.size -= n.length + v.length + ENTRY_OVERHEAD;
    }
    if (drop > 0) this.entries.splice(0, drop);
  }
}

/** An HPACK integer with an N-bit prefix (RFC 7541 §5.1). */
function readInt(buf: Uint8Array, pos: number, prefixBits: number): { value: number; next: number } {
  const max = (1 << prefixBits) - 1;
  let value = buf[pos] & max;
  pos++;
  if (value < max) return { value, next: pos };
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new CompressionError("truncated integer");
    const b = buf[pos++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) break;
    // Nothing legitimate needs more than 2^28 (a length or index that large is an attack).
    if (shift > 28) throw new CompressionError("integer too large");
  }
  return { value, next: pos };
}

function readString(buf: Uint8Array, pos: number): { text: string; next: number } {
  if (pos >= buf.length) throw new CompressionError("truncated string");
  const huffman = (buf[pos] & 0x80) !== 0;
  const r = readInt(buf, pos, 7);
  const start = r.next;
  const end = start + r.value;
  if (end > buf.length) throw new CompressionError("string beyond the header block");
  let text: string;
  if (huffman) {
    try {
      text = huffmanDecode(buf, start, end);
    } catch (e) {
      throw new CompressionError((e as HuffmanError).message);
    }
  } else {
    text = latin1(buf, start, end);
  }
  return { text, next: end };
}

function latin1(buf: Uint8Array, start: number, end: number): string {
  return (Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length)).toString("latin1", start, end);
}

/** Static indexes of the :status values that have one. */
const STATUS_INDEX: Record<number, number> = { 200: 8, 204: 9, 206: 10, 304: 11, 400: 12, 404: 13, 500: 14 };

/**
 * Encodes a response head (`:status` first) or, with a null status, a
 * trailer block. Field names must be lower case already. Literals without
 * indexing, never Huffman-coded: stateless, and cheap to produce.
 */
export function encodeFieldBlock(status: number | null, fields: ReadonlyArray<readonly [string, string]>): Buffer {
  let size = 1 + 3 + 1;
  for (const [n, v] of fields) size += n.length + v.length + 12;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  if (status !== null) {
    const indexed = STATUS_INDEX[status];
    if (indexed) {
      out[pos++] = 0x80 | indexed;
    } else {
      // Literal without indexing, name :status (static 8).
      out[pos++] = 0x08;
      pos = writeString(out, pos, String(status));
    }
  }
  for (const [name, value] of fields) {
    const idx = STATIC_NAME.get(name);
    if (idx !== undefined && idx < 15) {
      out[pos++] = idx;
    } else if (idx !== undefined) {
      out[pos++] = 0x0f;
      pos = writeInt(out, pos, idx - 15);
    } else {
      out[pos++] = 0x00;
      pos = writeString(out, pos, name);
    }
    pos = writeString(out, pos, value);
  }
  return out.subarray(0, pos);
}

/** The continuation octets of an integer whose prefix is full (`rest` = value - prefix max). */
function writeInt(out: Buffer, pos: number, rest: number): number {
  while (rest >= 0x80) {
    out[pos++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[pos++] = rest;
  return pos;
}

/** A raw (not Huffman-coded) string literal. */
function writeString(out: Buffer, pos: number, text: string): number {
  const len = text.length;
  if (len < 0x7f) {
    out[pos++] = len;
  } else {
    out[pos++] = 0x7f;
    pos = writeInt(out, pos, len - 0x7f);
  }
  out.write(text, pos, len, "latin1");
  return pos + len;
}
