import { describe, expect, test } from "bun:test";
import { ProtocolError, ResponseParser, type ParsedHead } from "./response-parser.ts";

interface Outcome {
  head: ParsedHead | null;
  body: string;
  ended: boolean;
  extraBytes: number;
}

/** Feeds `raw` split into pieces of `step` bytes (Infinity = one piece). */
function parse(raw: string, step = Infinity, opts: { head?: boolean; eof?: boolean; max?: number } = {}): Outcome {
  const out: Outcome = { head: null, body: "", ended: false, extraBytes: 0 };
  const p = new ResponseParser(
    {
      onHead: (h) => (out.head = h),
      onBody: (c) => (out.body += Buffer.from(c).toString("latin1")),
      onEnd: () => (out.ended = true),
    },
    opts.head ?? false,
    opts.max,
  );
  const bytes = Buffer.from(raw, "latin1");
  const n = Number.isFinite(step) ? step : bytes.length;
  for (let i = 0; i < bytes.length; i += n) p.feed(bytes.subarray(i, i + n));
  if (opts.eof) p.eof();
  out.extraBytes = p.extraBytes;
  return out;
}

describe("ResponseParser: well-formed responses", () => {
  const cases: { name: string; raw: string; head?: boolean; eof?: boolean; status: number; body: string; keepAlive: boolean }[] = [
    { name: "content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", status: 200, body: "hello", keepAlive: true },
    { name: "empty reason phrase", raw: "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", status: 404, body: "", keepAlive: true },
    { name: "no reason phrase at all", raw: "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx", status: 200, body: "x", keepAlive: true },
    { name: "bare LF line ends", raw: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", status: 200, body: "ok", keepAlive: true },
    {
      name: "chunked with extensions and trailers",
      raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\nY-T: 2\r\n\r\n",
      status: 200,
      body: "abc0123456789",
      keepAlive: true,
    },
    { name: "gzip, chunked", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nzz\r\n0\r\n\r\n", status: 200, body: "zz", keepAlive: true },
    { name: "read until close", raw: "HTTP/1.1 200 OK\r\n\r\nall of it", eof: true, status: 200, body: "all of it", keepAlive: false },
    { name: "HTTP/1.0 is not kept alive", raw: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", status: 200, body: "x", keepAlive: false },
    { name: "Connection: close", raw: "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 1\r\n\r\nx", status: 200, body: "x", keepAlive: false },
    { name: "HEAD ignores Content-Length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", head: true, status: 200, body: "", keepAlive: true },
    { name: "204 has no body", raw: "HTTP/1.1 204 No Content\r\n\r\n", status: 204, body: "", keepAlive: true },
    { name: "304 ignores Content-Length", raw: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", status: 304, body: "", keepAlive: true },
    { name: "100 and 103 skipped", raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!", status: 200, body: "!", keepAlive: true },
    { name: "identical repeated Content-Length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok", status: 200, body: "ok", keepAlive: true },
    { name: "TE and CL: TE wins, no reuse", raw: "HTTP/1.1 200 OK\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", status: 200, body: "a", keepAlive: false },
  ];
  for (const c of cases) {
    for (const step of [Infinity, 1, 7]) {
      test(`${c.name} (fed ${Number.isFinite(step) ? `${step} byte(s)` : "whole"} at a time)`, () => {
        const out = parse(c.raw, step, { head: c.head, eof: c.eof });
        expect(out.head?.status).toBe(c.status);
        expect(out.body).toBe(c.body);
        expect(out.ended).toBe(true);
        expect(out.head?.keepAlive).toBe(c.keepAlive);
        expect(out.extraBytes).toBe(0);
      });
    }
  }

  test("headers keep order, duplicates and Set-Cookie apart; values trimmed", () => {
    const out = parse("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-A:  v1 \r\nSet-Cookie: b=2\r\nX-A: v2\r\nContent-Length: 0\r\n\r\n");
    expect(out.head!.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(out.head!.headers.get("x-a")).toBe("v1, v2");
    expect(out.head!.statusText).toBe("OK");
  });

  test("bytes after a complete response are counted as extra (connection unusable)", () => {
    const out = parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA");
    expect(out.body).toBe("x");
    expect(out.extraBytes).toBe(5);
  });

  test("an incomplete head emits nothing yet", () => {
    const out = parse("HTTP/1.1 200 OK\r\nContent-Len");
    expect(out.head).toBeNull();
  });
});

describe("ResponseParser: protocol errors", () => {
  const bad: { name: string; raw: string; eof?: boolean; max?: number }[] = [
    { name: "not HTTP", raw: "HTTP/2 200 OK\r\n\r\n" },
    { name: "non-digit status", raw: "HTTP/1.1 2OO OK\r\n\r\n" },
    { name: "status out of range", raw: "HTTP/1.1 600 Odd\r\nContent-Length: 0\r\n\r\n" },
    { name: "garbage status line", raw: "hello world\r\n\r\n" },
    { name: "obs-fold continuation", raw: "HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n" },
    { name: "space before colon", raw: "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n" },
    { name: "header without colon", raw: "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n" },
    { name: "conflicting Content-Length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx" },
    { name: "negative Content-Length", raw: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n" },
    { name: "non-hex chunk size", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" },
    { name: "chunk size overflow", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n" },
    { name: "missing CRLF after chunk", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n" },
    { name: "chunked applied twice", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n" },
    { name: "control char in value", raw: "HTTP/1.1 200 OK\r\nX-A: a\x01b\r\n\r\n" },
    { name: "head over the limit", raw: `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(2000)}\r\n\r\n`, max: 1024 },
    { name: "unterminated head over the limit", raw: `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(2000)}`, max: 1024 },
    { name: "closed before the end of a sized body", raw: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", eof: true },
    { name: "closed before any response", raw: "", eof: true },
  ];
  for (const c of bad) {
    for (const step of [Infinity, 3]) {
      test(`${c.name} (step ${step})`, () => {
        expect(() => parse(c.raw, step, { eof: c.eof, max: c.max })).toThrow(ProtocolError);
      });
    }
  }
});
