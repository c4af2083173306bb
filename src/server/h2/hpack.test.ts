import { describe, expect, test } from "bun:test";
import { CompressionError, encodeFieldBlock, HpackDecoder } from "./hpack.ts";
import { huffmanDecode, huffmanEncode, HuffmanError } from "./huffman.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

// RFC 7541 Appendix C.3 (literals) and C.4 (the same requests Huffman-coded):
// three requests on one connection, so the dynamic table carries over.
const REQUESTS: Array<Array<[string, string]>> = [
  [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"]],
  [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"], ["cache-control", "no-cache"]],
  [[":method", "GET"], [":scheme", "https"], [":path", "/index.html"], [":authority", "www.example.com"], ["custom-key", "custom-value"]],
];

describe("HPACK decoder (RFC 7541 Appendix C)", () => {
  test("C.3: requests without Huffman coding, dynamic table carried over", () => {
    const d = new HpackDecoder();
    const blocks = [
      "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
      "8286 84be 5808 6e6f 2d63 6163 6865",
      "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    ];
    blocks.forEach((b, i) => expect(d.decode(hex(b), 65536)).toEqual(REQUESTS[i]));
  });

  test("C.4: the same requests Huffman-coded", () => {
    const d = new HpackDecoder();
    const blocks = [
      "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
      "8286 84be 5886 a8eb 1064 9cbf",
      "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    ];
    blocks.forEach((b, i) => expect(d.decode(hex(b), 65536)).toEqual(REQUESTS[i]));
  });

  test("a table size update to 0 empties the dynamic table", () => {
    const d = new HpackDecoder();
    d.decode(hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"), 65536);
    // 0x20: size update to 0; then index 62 (0xbe) no longer exists.
    expect(() => d.decode(hex("20 be"), 65536)).toThrow(CompressionError);
  });

  test("malformed blocks are compression errors", () => {
    const bad = [
      "80", // index 0
      "ff 00", // index 127 + 0: beyond the tables
      "3f e2 1f", // size update to 4097: above the announced 4096
      "82 20", // size update after a field
      "40 05 61", // string runs past the block
      "ff ff ff ff ff 7f", // integer too large
    ];
    for (const b of bad) expect(() => new HpackDecoder().decode(hex(b), 65536)).toThrow(CompressionError);
  });

  test("a list above the limit decodes (the table stays in step) and comes back null", () => {
    const d = new HpackDecoder();
    expect(d.decode(hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"), 100)).toBeNull();
    // The entry it added is there for the next block.
    expect(d.decode(hex("be"), 100)).toEqual([[":authority", "www.example.com"]]);
  });
});

describe("Huffman code", () => {
  test("every octet survives a round trip", () => {
    const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    const coded = huffmanEncode(all);
    expect(huffmanDecode(coded, 0, coded.length)).toBe(all);
  });

  test("RFC 7541 C.4.1: www.example.com", () => {
    expect(Buffer.from(huffmanEncode("www.example.com")).toString("hex")).toBe("f1e3c2e5f23a6ba0ab90f4ff");
  });

  test("bad padding or an EOS inside the string is refused", () => {
    const a = huffmanEncode("a"); // 5 bits + 3 bits of padding
    expect(() => huffmanDecode(Uint8Array.from([...a, 0xff]), 0, a.length + 1)).toThrow(HuffmanError);
    expect(() => huffmanDecode(Uint8Array.from([0x00]), 0, 1)).toThrow(HuffmanError); // "0" then zero padding
    expect(() => huffmanDecode(Uint8Array.from([0xff, 0xff, 0xff, 0xff]), 0, 4)).toThrow(HuffmanError); // EOS
  });
});

describe("response encoder", () => {
  test("a decoder reads back what it writes: indexed status, static and new names, long values", () => {
    const long = "v".repeat(300);
    const fields: Array<[string, string]> = [["content-type", "text/plain"], ["x-custom", long], ["www-authenticate", "Basic"], ["set-cookie", "a=1"], ["set-cookie", "b=2"]];
    for (const status of [200, 404, 418, 503]) {
      const block = encodeFieldBlock(status, fields);
      expect(new HpackDecoder().decode(block, 1 << 20)).toEqual([[":status", String(status)], ...fields]);
    }
    expect(new HpackDecoder().decode(encodeFieldBlock(null, [["grpc-status", "0"]]), 1 << 20)).toEqual([["grpc-status", "0"]]);
  });
});
