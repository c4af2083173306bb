import { describe, expect, test } from "bun:test";
import { FieldBlock, RangeFieldBlock, fieldList } from "../../server/raw/http1-head.ts";
import { RawResponseParser, type RawResponseHead } from "./raw-response-parser.ts";

interface Outcome {
  head: RawResponseHead | null;
  body: string;
  ended: boolean;
  trailers: [string, string][] | null;
  keepAlive: boolean;
  error: string | null;
}

/** Feeds `input` byte by byte (every split point) or whole; `eof` closes after. */
function parse(input: string, opts: { head?: boolean; split?: boolean; eof?: boolean } = {}): Outcome {
  const out: Outcome = { head: null, body: "", ended: false, trailers: null, keepAlive: false, error: null };
  const p = new RawResponseParser(
    {
      onHead: (h) => (out.head = h),
      onBody: (c) => (out.body += Buffer.from(c).toString("latin1")),
      onEnd: (t) => {
        out.ended = true;
        out.trailers = t;
      },
    },
    opts.head ?? false,
    4096,
  );
  const bytes = Buffer.from(input, "latin1");
  try {
    if (opts.split) for (let i = 0; i < bytes.length; i++) p.feed(bytes.subarray(i, i + 1));
    else p.feed(bytes);
    if (opts.eof) p.eof();
  } catch (err) {
    out.error = (err as Error).message;
  }
  out.keepAlive = p.keepAlive;
  return out;
}

describe("RawResponseParser accepts", () => {
  test.each([
    ["Content-Length body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "hello", true],
    ["chunked with extension and trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n", "abcde", true],
    ["close-delimited body", "HTTP/1.1 200 OK\r\n\r\nuntil close", "until close", false],
    ["HTTP/1.0 with length", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", false],
    ["HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", "ok", true],
    ["1xx skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz", "z", true],
    ["204 ignores a length", "HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n", "", true],
    ["Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nz", "z", false],
    ["TE and CL both: TE wins, no reuse", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nq\r\n0\r\n\r\n", "q", false],
  ])("%s (whole and byte by byte)", (_name, input, body, keepAlive) => {
    for (const split of [false, true]) {
      const r = parse(input, { split, eof: !keepAlive && !input.includes("Content-Length") && !input.includes("chunked") });
      expect(r.error).toBeNull();
      expect(r.ended).toBe(true);
      expect(r.body).toBe(body);
      expect(r.keepAlive).toBe(keepAlive);
    }
  });

  test("hop-by-hop fields (also those named by Connection) are removed, order and duplicates kept", () => {
    const r = parse("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nConnection: x-hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\nProxy-Foo: 1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n");
    expect(r.head?.headers).toEqual([["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"]]);
    expect(r.head?.contentLength).toBe(0);
  });

  test("HEAD response: announced length, no body expected", () => {
    const r = parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", { head: true });
    expect(r.ended).toBe(true);
    expect(r.head?.contentLength).toBe(100);
  });

  test("trailers are passed on", () => {
    const r = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n", { split: true });
    expect(r.trailers).toEqual([["X-A", "1"], ["X-B", "2"]]);
  });

  test("bytes after a complete response make the connection unusable", () => {
    const r = parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nzEXTRA");
    expect(r.ended).toBe(true);
    expect(r.keepAlive).toBe(false);
  });
});

describe("RawResponseParser text block (no field list built)", () => {
  test("end-to-end lines pass as the text they came in; framing and hop-by-hop lines are cut out", () => {
    const r = parse("HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length:  3 \r\nSet-Cookie: a=1\r\nKeep-Alive: 5\r\nProxy-Foo: 1\r\nTE: x\r\nSet-Cookie: b=2\r\nConnection: keep-alive\r\nX-Last:\tv \r\n\r\nabc");
    expect(r.head?.headers).toBeInstanceOf(FieldBlock);
    expect((r.head?.headers as FieldBlock).text).toBe("Server: x\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Last:\tv \r\n");
    expect(fieldList(r.head!.headers)).toEqual([["Server", "x"], ["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"], ["X-Last", "v"]]);
    expect(r.head?.contentLength).toBe(3);
    expect(r.body).toBe("abc");
    expect(r.keepAlive).toBe(true);
  });

  test("the same outcome whatever the read boundaries", () => {
    const input = "HTTP/1.1 200 OK\r\nA: 1\r\nTransfer-Encoding: chunked\r\nB: 2\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    for (const split of [false, true]) {
      const r = parse(input, { split });
      expect((r.head?.headers as FieldBlock).text).toBe("A: 1\r\nB: 2\r\n");
      expect(r.head?.contentLength).toBe(-1);
      expect(r.body).toBe("abc");
      expect(r.ended).toBe(true);
    }
  });

  test("a head whose only fields are framing ones gives an empty block", () => {
    const r = parse("HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
    expect((r.head?.headers as FieldBlock).text).toBe("");
    expect(r.keepAlive).toBe(true);
  });

  test("more than 200 field lines are refused", () => {
    const lines = Array.from({ length: 201 }, (_, i) => `X-${i}: 1\r\n`).join("");
    const r = parse(`HTTP/1.1 200 OK\r\n${lines}Content-Length: 0\r\n\r\n`);
    expect(r.error).toContain("too many header fields");
  });
});

describe("RawResponseParser keeps a read for its bytes only when it is small", () => {
  test.each([
    ["a head with a small body", 100, true],
    ["a head with 20 KiB of body in the same read", 20 * 1024, false],
  ])("%s", (_name, bodyBytes, asBytes) => {
    const r = parse(`HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: ${bodyBytes}\r\n\r\n${"b".repeat(bodyBytes)}`);
    expect(r.error).toBeNull();
    expect(r.head?.headers instanceof RangeFieldBlock).toBe(asBytes);
    expect((r.head?.headers as FieldBlock).text).toBe("X-A: 1\r\n");
  });
});

describe("RawResponseParser status line", () => {
  test.each([
    ["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "OK"],
    ["HTTP/1.1 200 Okay\r\nContent-Length: 0\r\n\r\n", 200, "Okay"],
    ["HTTP/1.1 404 OK?\r\nContent-Length: 0\r\n\r\n", 404, "OK?"],
    ["HTTP/1.1 204 \r\n\r\n", 204, ""],
    ["HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", 503, "Service Unavailable"],
    ["HTTP/1.0 200 OK\r\n\r\n", 200, "OK"],
    ["HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 200, ""],
  ])("%j gives %d and its reason", (input, status, reason) => {
    const r = parse(input, { eof: true });
    expect(r.error).toBeNull();
    expect(r.head?.status).toBe(status);
    expect(r.head?.reason).toBe(reason);
  });
});

describe("RawResponseParser rejects", () => {
  test.each([
    ["bad status line", "HTTP/1.1 20 OK\r\n\r\n"],
    ["status line with a bare CR", "HTTP/1.1 200 O\rK\r\n\r\n"],
    ["status code out of range", "HTTP/1.1 600 No\r\n\r\n"],
    ["something other than a space after the code", "HTTP/1.1 200OK\r\n\r\n"],
    ["HTTP/2 status line", "HTTP/2 200 OK\r\n\r\n"],
    ["bare LF in head", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"],
    ["space before colon", "HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n"],
    ["obs-fold", "HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n"],
    ["NUL in a value", "HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n"],
    ["bare CR in a value", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n"],
    ["empty field name", "HTTP/1.1 200 OK\r\n: v\r\nContent-Length: 0\r\n\r\n"],
    ["conflicting Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"],
    ["non-numeric Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"],
    ["bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    ["chunk data without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXX"],
    ["chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"],
    ["head too large", `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(5000)}\r\n\r\n`],
    ["truncated fixed body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"],
  ])("%s", (_name, input) => {
    const r = parse(input, { eof: true });
    expect(r.error).not.toBeNull();
  });
});

describe("RawResponseParser headroom (spent bytes before a body piece a writer may reuse)", () => {
  /** The [piece length, headroom] pairs one feed of `input` hands out. */
  function pieces(input: Uint8Array): [number, number][] {
    const got: [number, number][] = [];
    const p = new RawResponseParser({ onHead() {}, onBody: (c, headroom) => void got.push([c.length, headroom]), onEnd() {} }, false, 4096);
    p.feed(input);
    return got;
  }
  const bytes = (...parts: (string | number)[]) => Buffer.concat(parts.map((x) => (typeof x === "string" ? Buffer.from(x, "latin1") : Buffer.alloc(x, 97))));

  test("a big read's first piece has the head before it", () => {
    const head = "HTTP/1.1 200 OK\r\nContent-Length: 40000\r\n\r\n";
    expect(pieces(bytes(head, 30_000))).toEqual([[30_000, head.length]]);
  });

  test("in a chunked body, a later piece has only its size line, not the pieces before it", () => {
    const head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const got = pieces(bytes(head, "2710\r\n", 10_000, "\r\n2710\r\n", 10_000, "\r\n0\r\n\r\n"));
    expect(got).toEqual([[10_000, head.length + 6], [10_000, 8]]);
  });

  test("none in a small read (its head fields may be backed by its bytes), none for a copied piece", () => {
    expect(pieces(bytes("HTTP/1.1 200 OK\r\nContent-Length: 9000\r\n\r\n", 9000))).toEqual([[9000, 0]]);
    const head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    expect(pieces(bytes(head, "a\r\n", 10, "\r\n4e20\r\n", 20_000, "\r\n0\r\n\r\n"))).toEqual([[10, 0], [20_000, 8]]);
  });

  test("a close-delimited body: the head", () => {
    const head = "HTTP/1.1 200 OK\r\n\r\n";
    expect(pieces(bytes(head, 20_000))).toEqual([[20_000, head.length]]);
  });
});
