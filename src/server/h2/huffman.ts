// HPACK's Huffman code (RFC 7541 Appendix B). The code is canonical: codes of
// one length are consecutive in symbol order, shorter codes come first. So
// the code lengths alone define it; decoding walks bit by bit against the
// first code of each length (no tree, no big table).

/** Code length of symbols 0..256 (256 = EOS), one letter each: "a" = 5 bits ... "z" = 30 bits. */
const LENGTHS =
  "isxxxxxxxtzxxzxxxxxxxxzxxxxxxxxxbffhibdgffdgdbbbaaabbbbbbbcdkbhfibccccccccccccccccccccccdcdioijbkabababbbaccbbbabcbaabccccckgjixprpprrrsrssssststtrstssssqrsrsstrqprrssqsrrtqrssqqrqsrssprrrsrrsvvporsruvvvwwvtuoqvwwvwtqqvvxwwwptpqrqqsrruuttvsvwvvwwwwwxwwwwwvz";

const EOS = 256;
const MAX_LEN = 30;

/** Symbols sorted by (length, symbol): the canonical order. */
const SORTED: number[] = [];
/** For each length: the first code of that length, and where its symbols start in SORTED. */
const FIRST_CODE = new Array<number>(MAX_LEN + 2).fill(0);
const FIRST_INDEX = new Array<number>(MAX_LEN + 2).fill(0);
const COUNT = new Array<number>(MAX_LEN + 2).fill(0);

(function build() {
  const lengths = [...LENGTHS].map((c) => c.charCodeAt(0) - 97 + 5);
  for (let len = 5; len <= MAX_LEN; len++) {
    for (let s = 0; s < lengths.length; s++) if (lengths[s] === len) SORTED.push(s);
  }
  let code = 0;
  let index = 0;
  for (let len = 1; len <= MAX_LEN; len++) {
    code <<= 1;
    FIRST_CODE[len] = code;
    FIRST_INDEX[len] = index;
    let n = 0;
    for (const l of lengths) if (l === len) n++;
    COUNT[len] = n;
    code += n;
    index += n;
  }
})();

export class HuffmanError extends Error {}

/** Decodes a Huffman-coded string literal into a latin1 string. */
export function huffmanDecode(buf: Uint8Array, start: number, end: number): string {
  let out = "";
  let code = 0;
  let len = 0;
  for (let i = start; i < end; i++) {
    const byte = buf[i];
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      len++;
      const offset = code - FIRST_CODE[len];
      if (offset < COUNT[len]) {
        const sym = SORTED[FIRST_INDEX[len] + offset];
        if (sym === EOS) throw new HuffmanError("EOS symbol inside a Huffman-coded string");
        out += String.fromCharCode(sym);
        code = 0;
        len = 0;
      } else if (len >= MAX_LEN) {
        throw new HuffmanError("invalid Huffman code");
      }
    }
  }
  // Padding: at most 7 bits, all ones (the most significant bits of EOS).
  if (len > 7 || code !== (1 << len) - 1) throw new HuffmanError("invalid Huffman padding");
  return out;
}

/** Huffman-codes a latin1 string (tests use it to build what real encoders send). */
export function huffmanEncode(text: string): Uint8Array {
  const bytes: number[] = [];
  let acc = 0n;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const sym = text.charCodeAt(i) & 0xff;
    const len = lengthOf(sym);
    acc = (acc << BigInt(len)) | BigInt(codeOf(sym, len));
    bits += len;
    while (bits >= 8) {
      bits -= 8;
      bytes.push(Number((acc >> BigInt(bits)) & 0xffn));
    }
    acc &= (1n << BigInt(bits)) - 1n;
  }
  if (bits > 0) bytes.push(Number(((acc << BigInt(8 - bits)) | ((1n << BigInt(8 - bits)) - 1n)) & 0xffn));
  return Uint8Array.from(bytes);
}

function lengthOf(sym: number): number {
  return LENGTHS.charCodeAt(sym) - 97 + 5;
}

function codeOf(sym: number, len: number): number {
  return FIRST_CODE[len] + SORTED.indexOf(sym, FIRST_INDEX[len]) - FIRST_INDEX[len];
}
