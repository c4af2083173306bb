import { describe, expect, test } from "bun:test";
import { Http1RequestParser, type HeaderList, type ParserLimits, type RequestHead } from "./http1-parser.ts";

interface Seen {
  method: string;
  path: string;
  host: string;
  version: string;
  keepAlive: boolean;
  expectContinue?: true;
  body: string;
  trailers?: HeaderList;
  /** Only set while a message is incomplete at the end of the input. */
  open?: true;
}

interface Outcome {
  requests: Seen[];
  error: number | null;
}

/** Feeds `pieces` to a fresh parser and records what it reported; `release`: onBody says it is done with each chunk. */
function run(pieces: Uint8Array[], limits: Partial<ParserLimits> = {}, release = false): Outcome {
  const out: Outcome = { requests: [], error: null };
  let current: Seen | null = null;
  const bodies: Buffer[] = [];
  const parser = new Http1RequestParser(
    {
      onHead(h: RequestHead) {
        current = { method: h.method, path: h.path, host: h.host, version: h.version, keepAlive: h.keepAlive, body: "", open: true };
        if (h.expectContinue) current.expectContinue = true;
        out.requests.push(current);
        bodies.length = 0;
      },
      onBody(chunk) {
        bodies.push(Buffer.from(chunk));
        return release;
      },
      onEnd(trailers) {
        if (!current) throw new Error("onEnd without onHead");
        current.body = Buffer.concat(bodies).toString("latin1");
        if (trailers) current.trailers = trailers;
        delete current.open;
        current = null;
      },
      onError(e) {
        if (out.error !== null) throw new Error("onError twice");
        out.error = e.status;
      },
    },
    limits,
  );
  for (const p of pieces) parser.push(p);
  return out;
}

const bytes = (s: string) => Buffer.from(s, "latin1");
const whole = (s: string) => [bytes(s)];
const oneByOne = (s: string) => [...bytes(s)].map((b) => Uint8Array.of(b));

const req = (over: Partial<Seen> = {}): Seen => ({ method: "GET", path: "/", host: "a", version: "1.1", keepAlive: true, body: "", ...over });

interface Case {
  name: string;
  input: string;
  requests?: Seen[];
  error?: number;
  limits?: Partial<ParserLimits>;
}

const G = "GET / HTTP/1.1\r\nHost: a\r\n";
const P = "POST / HTTP/1.1\r\nHost: a\r\n";

const cases: Case[] = [
  // --- valid requests ---
  { name: "simple GET", input: `${G}\r\n`, requests: [req()] },
  { name: "leading empty lines are ignored", input: `\r\n\r\n${G}\r\n`, requests: [req()] },
  { name: "origin-form with query", input: "GET /a/b?x=1 HTTP/1.1\r\nHost: h:8080\r\n\r\n", requests: [req({ path: "/a/b?x=1", host: "h:8080" })] },
  { name: "absolute-form: authority wins over Host", input: "GET http://Target.test:81/p?q HTTP/1.1\r\nHost: other\r\n\r\n", requests: [req({ path: "/p?q", host: "Target.test:81" })] },
  { name: "absolute-form without path", input: "GET http://t.test HTTP/1.1\r\nHost: t.test\r\n\r\n", requests: [req({ path: "/", host: "t.test" })] },
  { name: "OPTIONS *", input: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", requests: [req({ method: "OPTIONS", path: "*" })] },
  { name: "extension method token", input: "PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n", requests: [req({ method: "PURGE", path: "/x" })] },
  { name: "methods are case-sensitive tokens", input: "get /x HTTP/1.1\r\nHost: a\r\n\r\n", requests: [req({ method: "get", path: "/x" })] },
  { name: "a method that starts like a usual one", input: "GETS /x HTTP/1.1\r\nHost: a\r\n\r\n", requests: [req({ method: "GETS", path: "/x" })] },
  { name: "DELETE and OPTIONS", input: "DELETE /d HTTP/1.1\r\nHost: a\r\n\r\nOPTIONS /o HTTP/1.1\r\nHost: a\r\n\r\n", requests: [req({ method: "DELETE", path: "/d" }), req({ method: "OPTIONS", path: "/o" })] },
  { name: "HTAB as OWS in a value", input: `${P}Transfer-Encoding:\tchunked\t\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, requests: [req({ method: "POST", body: "abc" })] },
  { name: "Content-Length body", input: `${P}Content-Length: 5\r\n\r\nhello`, requests: [req({ method: "POST", body: "hello" })] },
  { name: "repeated identical Content-Length", input: `${P}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`, requests: [req({ method: "POST", body: "abc" })] },
  { name: "Content-Length list of identical values", input: `${P}Content-Length: 3, 3\r\n\r\nabc`, requests: [req({ method: "POST", body: "abc" })] },
  { name: "Content-Length 0", input: `${P}Content-Length: 0\r\n\r\n`, requests: [req({ method: "POST" })] },
  {
    name: "chunked with extensions and trailers",
    input: `${P}Transfer-Encoding: chunked\r\n\r\n4;a=b;c="d;e"\r\nWiki\r\n5 ; x\r\npedia\r\nA\r\n in chunks\r\n0\r\nX-Sum: 1\r\nX-Two: 2\r\n\r\n`,
    requests: [req({ method: "POST", body: "Wikipedia in chunks", trailers: [["X-Sum", "1"], ["X-Two", "2"]] })],
  },
  { name: "chunk size with leading zeros", input: `${P}Transfer-Encoding: chunked\r\n\r\n0003\r\nabc\r\n000\r\n\r\n`, requests: [req({ method: "POST", body: "abc" })] },
  { name: "Transfer-Encoding case-insensitive", input: `${P}transfer-encoding: CHUNKED\r\n\r\n1\r\nz\r\n0\r\n\r\n`, requests: [req({ method: "POST", body: "z" })] },
  { name: "Transfer-Encoding with empty list elements", input: `${P}Transfer-Encoding: , chunked\r\n\r\n0\r\n\r\n`, requests: [req({ method: "POST" })] },
  { name: "HTTP/1.0 closes by default, Host optional", input: "GET / HTTP/1.0\r\n\r\n", requests: [req({ version: "1.0", keepAlive: false, host: "" })] },
  { name: "HTTP/1.0 keep-alive", input: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: a\r\n\r\n", requests: [req({ version: "1.0", keepAlive: true })] },
  { name: "HTTP/1.1 Connection: close", input: `${G}Connection: keep-alive, close\r\n\r\n`, requests: [req({ keepAlive: false })] },
  { name: "Expect: 100-continue", input: `${P}Expect: 100-Continue\r\nContent-Length: 1\r\n\r\nx`, requests: [req({ method: "POST", body: "x", expectContinue: true })] },
  { name: "Expect ignored in HTTP/1.0", input: "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx", requests: [req({ method: "POST", version: "1.0", keepAlive: false, host: "", body: "x" })] },
  {
    name: "pipelined requests in order",
    input: `${P}Content-Length: 2\r\n\r\nab${G}\r\n${P}Transfer-Encoding: chunked\r\n\r\n1\r\nc\r\n0\r\n\r\nGET /last HTTP/1.1\r\nHost: a\r\n\r\n`,
    requests: [req({ method: "POST", body: "ab" }), req(), req({ method: "POST", body: "c" }), req({ path: "/last" })],
  },
  { name: "incomplete body stays open", input: `${P}Content-Length: 10\r\n\r\nabc`, requests: [{ ...req({ method: "POST" }), open: true }] },
  { name: "obs-text in a value is allowed", input: `${G}X-A: caf\xe9\r\n\r\n`, requests: [req()] },
  { name: "empty Host value is allowed", input: "GET / HTTP/1.1\r\nHost:\r\n\r\n", requests: [req({ host: "" })] },

  // --- request line ---
  { name: "two spaces in request line", input: "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", error: 400 },
  { name: "tab as separator", input: "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", error: 400 },
  { name: "method with separator char", input: "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", error: 400 },
  { name: "HTTP/0.9 request line", input: "GET /\r\n\r\n", error: 400 },
  { name: "lower-case version", input: "GET / http/1.1\r\nHost: a\r\n\r\n", error: 400 },
  { name: "HTTP/2.0 version", input: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", error: 505 },
  { name: "HTTP/1.0 with nothing after the request line", input: "GET /v HTTP/1.0\r\n\r\n", requests: [req({ version: "1.0", keepAlive: false, host: "", path: "/v" })] },
  { name: "HTTP/1.1 with nothing after the request line: no Host", input: "GET / HTTP/1.1\r\n\r\n", error: 400 },
  { name: "version with a third digit", input: "GET / HTTP/1.10\r\nHost: a\r\n\r\n", error: 400 },
  { name: "space after the version", input: "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", error: 400 },
  { name: "version alone after a space", input: "GET HTTP/1.1\r\nHost: a\r\n\r\n", error: 400 },
  { name: "NUL in target", input: "GET /a\x00b HTTP/1.1\r\nHost: a\r\n\r\n", error: 400 },
  { name: "fragment in target", input: "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", error: 400 },
  { name: "relative target", input: "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", error: 400 },
  { name: "asterisk for GET", input: "GET * HTTP/1.1\r\nHost: a\r\n\r\n", error: 400 },
  { name: "userinfo in absolute-form", input: "GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n", error: 400 },
  { name: "non-http scheme", input: "GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", error: 400 },
  { name: "CONNECT not supported", input: "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", error: 501 },
  { name: "request line over the limit", input: `GET /${"a".repeat(9000)} HTTP/1.1\r\nHost: a\r\n\r\n`, error: 414 },
  { name: "unterminated long request line", input: `GET /${"a".repeat(9000)}`, error: 414 },

  // --- header fields ---
  { name: "space before colon", input: `${G}Foo : bar\r\n\r\n`, error: 400 },
  { name: "obs-fold", input: `${G}Foo: bar\r\n baz\r\n\r\n`, error: 400 },
  { name: "whitespace before first field", input: "GET / HTTP/1.1\r\n Host: a\r\n\r\n", error: 400 },
  { name: "empty field name", input: `${G}: x\r\n\r\n`, error: 400 },
  { name: "line without colon", input: `${G}NoColon\r\n\r\n`, error: 400 },
  { name: "NUL in a value", input: `${G}X: a\x00b\r\n\r\n`, error: 400 },
  { name: "bare CR in a value", input: `${G}X: a\rb\r\n\r\n`, error: 400 },
  { name: "DEL in a value", input: `${G}X: a\x7fb\r\n\r\n`, error: 400 },
  { name: "bare LF ends a field line", input: "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", error: 400 },
  { name: "bare LF request line", input: "GET / HTTP/1.1\nHost: a\r\n\r\n", error: 400 },
  { name: "bare LF head end", input: `${G}\n`, error: 400 },
  { name: "missing Host in HTTP/1.1", input: "GET / HTTP/1.1\r\n\r\n", error: 400 },
  { name: "duplicate Host", input: `${G}Host: b\r\n\r\n`, error: 400 },
  { name: "Host with a path", input: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", error: 400 },
  { name: "Host with a space", input: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", error: 400 },
  { name: "head over 32 KiB", input: `${G}${"X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(1000)}\r\n`, error: 431 },
  { name: "too many fields", input: `${G}${"X: y\r\n".repeat(10)}\r\n`, error: 431, limits: { maxHeaders: 5 } },
  { name: "unsupported Expect", input: `${G}Expect: something\r\n\r\n`, error: 417 },

  // --- smuggling: Content-Length ---
  { name: "CL with plus sign", input: `${P}Content-Length: +3\r\n\r\nabc`, error: 400 },
  { name: "CL negative", input: `${P}Content-Length: -1\r\n\r\n`, error: 400 },
  { name: "CL hex", input: `${P}Content-Length: 0x3\r\n\r\nabc`, error: 400 },
  { name: "CL empty", input: `${P}Content-Length:\r\n\r\n`, error: 400 },
  { name: "CL conflicting lines", input: `${P}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`, error: 400 },
  { name: "CL conflicting list", input: `${P}Content-Length: 3, 4\r\n\r\nabcd`, error: 400 },
  { name: "CL huge", input: `${P}Content-Length: 99999999999999999999\r\n\r\n`, error: 400 },
  { name: "CL over body limit", input: `${P}Content-Length: 11\r\n\r\n`, error: 413, limits: { maxBodyBytes: 10 } },

  // --- smuggling: Transfer-Encoding ---
  { name: "CL.TE both present", input: `${P}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX`, error: 400 },
  { name: "TE.CL both present", input: `${P}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n`, error: 400 },
  { name: "TE xchunked", input: `${P}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`, error: 400 },
  { name: "TE space before colon", input: `${P}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`, error: 400 },
  { name: "TE chunked then identity", input: `${P}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n`, error: 400 },
  { name: "TE chunked twice", input: `${P}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n`, error: 400 },
  { name: "TE duplicate lines chunked", input: `${P}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, error: 400 },
  { name: "TE gzip, chunked is not implemented", input: `${P}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, error: 501 },
  { name: "TE unknown coding before chunked", input: `${P}Transfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n`, error: 501 },
  { name: "TE empty value", input: `${P}Transfer-Encoding:\r\n\r\n`, error: 400 },
  { name: "TE quoted", input: `${P}Transfer-Encoding: "chunked"\r\n\r\n0\r\n\r\n`, error: 400 },
  { name: "TE vertical tab", input: `${P}Transfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n`, error: 400 },
  { name: "TE obs-fold", input: `${P}Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n`, error: 400 },
  { name: "TE in HTTP/1.0", input: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", error: 400 },
  { name: "TE name with trailing junk", input: `${P}Transfer-Encoding\x00: chunked\r\n\r\n0\r\n\r\n`, error: 400 },

  // --- smuggling: chunk framing ---
  { name: "chunk size not hex", input: `${P}Transfer-Encoding: chunked\r\n\r\ng\r\n\r\n`, error: 400 },
  { name: "chunk size empty", input: `${P}Transfer-Encoding: chunked\r\n\r\n\r\nabc\r\n0\r\n\r\n`, error: 400 },
  { name: "chunk size 0x prefix", input: `${P}Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n`, error: 400 },
  { name: "chunk size negative", input: `${P}Transfer-Encoding: chunked\r\n\r\n-1\r\n\r\n`, error: 400 },
  { name: "chunk size overflow", input: `${P}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF1\r\nabc\r\n0\r\n\r\n`, error: 400 },
  { name: "chunk size 2^64 wraps to 0 elsewhere", input: `${P}Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n\r\n`, error: 400 },
  { name: "chunk size with bare LF", input: `${P}Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n`, error: 400 },
  { name: "chunk data followed by bare LF", input: `${P}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n`, error: 400 },
  { name: "chunk data longer than its size", input: `${P}Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n`, error: 400 },
  { name: "chunk extension with bare CR", input: `${P}Transfer-Encoding: chunked\r\n\r\n3;a\rb\r\nabc\r\n0\r\n\r\n`, error: 400 },
  { name: "chunk extension not a token", input: `${P}Transfer-Encoding: chunked\r\n\r\n3;a b\r\nabc\r\n0\r\n\r\n`, error: 400 },
  { name: "chunk size then space then junk", input: `${P}Transfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n0\r\n\r\n`, error: 400 },
  { name: "chunk line over limit", input: `${P}Transfer-Encoding: chunked\r\n\r\n3;${"a".repeat(5000)}\r\nabc\r\n0\r\n\r\n`, error: 400 },
  { name: "chunked body over limit", input: `${P}Transfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n`, error: 413, limits: { maxBodyBytes: 10 } },
  { name: "trailer obs-fold", input: `${P}Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n`, error: 400 },
  { name: "trailer with bare LF", input: `${P}Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\n\r\n`, error: 400 },
  { name: "trailers over limit", input: `${P}Transfer-Encoding: chunked\r\n\r\n0\r\n${"X: aaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(500)}\r\n`, error: 431 },
  {
    name: "error after a good pipelined request",
    input: `${G}\r\n${P}Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n`,
    requests: [req()],
    error: 400,
  },
];

describe("Http1RequestParser", () => {
  for (const c of cases) {
    for (const [how, split] of [["whole", whole], ["byte by byte", oneByOne]] as const) {
      test(`${c.name} (${how})`, () => {
        const got = run(split(c.input), c.limits);
        expect(got.error).toBe(c.error ?? null);
        if (c.requests) expect(got.requests).toEqual(c.requests);
        else expect(got.requests.filter((r) => !r.open)).toEqual([]);
      });
    }
  }

  test("random splits give the same result as whole input", () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const c of cases) {
      const all = bytes(c.input);
      const pieces: Uint8Array[] = [];
      for (let i = 0; i < all.length; ) {
        const n = 1 + Math.floor(rnd() * 7);
        pieces.push(all.subarray(i, i + n));
        i += n;
      }
      expect(run(pieces, c.limits)).toEqual(run(whole(c.input), c.limits));
    }
  });

  test("pause in onEnd holds pipelined requests until resume", () => {
    const order: string[] = [];
    const parser: Http1RequestParser = new Http1RequestParser({
      onHead: (h) => order.push(`head ${h.path}`),
      onBody: () => {},
      onEnd: () => {
        order.push("end");
        parser.pause();
      },
      onError: (e) => order.push(`error ${e.status}`),
    });
    parser.push(bytes("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"));
    expect(order).toEqual(["head /1", "end"]);
    expect(parser.buffered).toBeGreaterThan(0);
    parser.resume();
    expect(order).toEqual(["head /1", "end", "head /2", "end"]);
    parser.resume();
    expect(parser.idle).toBe(true);
  });

  test("releasing body chunks (each piece its own buffer) changes no outcome", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const c of cases) {
      const all = bytes(c.input);
      const pieces: Uint8Array[] = [];
      for (let i = 0; i < all.length; ) {
        const n = 1 + Math.floor(rnd() * 9);
        pieces.push(new Uint8Array(all.subarray(i, i + n))); // a copy: a whole ArrayBuffer, so it can be released
        i += n;
      }
      expect(run(pieces, c.limits, true)).toEqual(run(whole(c.input), c.limits));
    }
  });

  describe("release of body chunks", () => {
    const head = "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n";
    /** A fresh ArrayBuffer holding `s` (a socket read). */
    const read = (s: string) => new Uint8Array(bytes(s));

    function parserWith(release: boolean, seen: string[]): Http1RequestParser {
      return new Http1RequestParser({
        onHead: (h) => seen.push(`head ${h.path}`),
        onBody: (chunk) => {
          seen.push(`body ${Buffer.from(chunk).toString("latin1")}`);
          return release;
        },
        onEnd: () => seen.push("end"),
        onError: (e) => seen.push(`error ${e.status}`),
      });
    }

    test("a big read holding only body bytes is freed when the consumer is done with it", () => {
      const seen: string[] = [];
      const p = parserWith(true, seen);
      const text = "b".repeat(20_000); // small reads are left to the GC (FREE_MIN_BYTES)
      p.push(read(`POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: ${text.length}\r\n\r\n`));
      const body = read(text);
      p.push(body);
      expect(seen).toEqual(["head /u", `body ${text}`, "end"]);
      expect(body.byteLength).toBe(0); // detached: its memory is gone
      expect(p.idle).toBe(true);
      p.push(read("GET /next HTTP/1.1\r\nHost: a\r\n\r\n"));
      expect(seen.slice(3)).toEqual(["head /next", "end"]);
    });

    test("a small read is left to the GC: making its ArrayBuffer only to free it costs more", () => {
      const seen: string[] = [];
      const p = parserWith(true, seen);
      p.push(read(head));
      const body = read("0123456789");
      p.push(body);
      expect(seen).toEqual(["head /u", "body 0123456789", "end"]);
      expect(body.byteLength).toBe(10);
    });

    test("a read that also holds the next request is kept whole", () => {
      const seen: string[] = [];
      const p = parserWith(true, seen);
      p.push(read(head));
      const both = read("0123456789GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
      p.push(both);
      expect(seen).toEqual(["head /u", "body 0123456789", "end", "head /next", "end"]);
      expect(both.byteLength).toBeGreaterThan(0);
    });

    test("without the consumer's word nothing is freed", () => {
      const seen: string[] = [];
      const p = parserWith(false, seen);
      p.push(read(head));
      const body = read("0123456789");
      p.push(body);
      expect(seen).toEqual(["head /u", "body 0123456789", "end"]);
      expect(body.byteLength).toBe(10);
    });

    test("a view into a larger buffer is never freed", () => {
      const seen: string[] = [];
      const p = parserWith(true, seen);
      p.push(read(head));
      const backing = read("xx0123456789");
      p.push(backing.subarray(2));
      expect(seen).toEqual(["head /u", "body 0123456789", "end"]);
      expect(backing.byteLength).toBe(12);
    });
  });

  test("input after an error is ignored", () => {
    const got = run([bytes("GET / HTTP/1.1\r\n\r\n"), bytes(`${G}\r\n`)]);
    expect(got).toEqual({ requests: [], error: 400 });
  });
});
