import { describe, expect, test } from "bun:test";
import { buildRequestHead, chunkFrame } from "./request-head.ts";
import { UpstreamError, type UpstreamRequest } from "./types.ts";

function req(method: string, headers: Record<string, string>, body: boolean, pathAndQuery = "/p?q=1"): UpstreamRequest {
  return {
    target: new URL("http://10.0.0.1:8080"),
    method,
    pathAndQuery,
    headers: new Headers(headers),
    body: body ? new ReadableStream<Uint8Array>() : null,
    timeouts: { dialTimeoutMs: 0, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 0 },
  };
}

const text = (b: Uint8Array | string) => (typeof b === "string" ? b : Buffer.from(b).toString("latin1"));

describe("buildRequestHead", () => {
  const cases: { name: string; r: UpstreamRequest; head: string; framing: string }[] = [
    { name: "GET without body", r: req("GET", { host: "a.test", accept: "*/*" }, false), head: "GET /p?q=1 HTTP/1.1\r\nhost: a.test\r\naccept: */*\r\n\r\n", framing: "none" },
    { name: "Host defaults to the target", r: req("GET", {}, false), head: "GET /p?q=1 HTTP/1.1\r\nhost: 10.0.0.1:8080\r\n\r\n", framing: "none" },
    { name: "bodyless POST says Content-Length: 0", r: req("POST", { host: "a" }, false), head: "POST /p?q=1 HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\n\r\n", framing: "none" },
    { name: "Content-Length passes through", r: req("PUT", { host: "a", "content-length": "12" }, true), head: "PUT /p?q=1 HTTP/1.1\r\nhost: a\r\ncontent-length: 12\r\n\r\n", framing: "length" },
    { name: "unknown length goes chunked; caller TE dropped", r: req("POST", { host: "a", "transfer-encoding": "gzip" }, true), head: "POST /p?q=1 HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n", framing: "chunked" },
    { name: "latin1 header bytes kept", r: req("GET", { host: "a", "x-n": "caf\u00e9" }, false), head: "GET /p?q=1 HTTP/1.1\r\nhost: a\r\nx-n: caf\u00e9\r\n\r\n", framing: "none" },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const h = buildRequestHead(c.r);
      expect(text(h.bytes)).toBe(c.head);
      expect(h.framing.kind).toBe(c.framing as "none");
    });
  }

  const invalid: [string, UpstreamRequest][] = [
    ["space in target", req("GET", {}, false, "/a b")],
    ["CRLF in target", req("GET", {}, false, "/a\r\nX: y")],
    ["bad method", req("GE T", {}, false)],
  ];
  for (const [name, r] of invalid) {
    test(`rejects ${name}`, () => {
      expect(() => buildRequestHead(r)).toThrow(UpstreamError);
    });
  }
});

test("chunkFrame frames small and large chunks", () => {
  expect(text(Buffer.concat(chunkFrame(new TextEncoder().encode("hello"))))).toBe("5\r\nhello\r\n");
  const big = new Uint8Array(40_000);
  const parts = chunkFrame(big);
  expect(parts.length).toBe(3);
  expect(text(parts[0]!)).toBe("9c40\r\n");
  expect(parts[1]).toBe(big);
});
