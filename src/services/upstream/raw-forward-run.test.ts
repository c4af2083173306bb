// ForwardRun frees an upstream read as soon as nothing can see its bytes
// any more: the client's socket took every piece (it copies what it takes)
// and the parser keeps none. Fakes stand in for both sockets, so the test
// can say what a write takes and look at the read's memory afterwards.
import { describe, expect, test } from "bun:test";
import type { RawExchange } from "../../server/raw/connection.ts";
import type { RequestHead } from "../../server/raw/http1-parser.ts";
import type { UpstreamConnection } from "./connection.ts";
import { ForwardRun, type RunPool } from "./raw-forward-run.ts";
import type { RawForwardRequest } from "./raw-types.ts";

interface Fakes {
  run: ForwardRun;
  /** What the client's socket was handed, whole or not. */
  written: Uint8Array[];
  /** Whether the next client write is taken whole. */
  takes: { whole: boolean };
  answered: () => boolean;
}

function fakes(copiesOnWrite = true): Fakes {
  const written: Uint8Array[] = [];
  const takes = { whole: true };
  let answered = false;
  const conn = {
    listener: null,
    uses: 0,
    closed: false,
    writeLatin1: () => null,
    write: () => null,
    writeParts: () => null,
    pause() {},
    resume() {},
    close() {},
    destroy() {},
  } as unknown as UpstreamConnection;
  const pool: RunPool = { maxHeadBytes: 64 * 1024, acquire: () => conn, release() {}, dial: () => Promise.reject(new Error("no dialling here")) };
  const ex = {
    head: { body: "none" } as RequestHead,
    aborted: false,
    copiesOnWrite,
    onAbort: null,
    onDrain: null,
    writeHead() {},
    write(chunk: Uint8Array) {
      written.push(chunk);
      return takes.whole;
    },
    end() {},
  } as unknown as RawExchange;
  const req = { method: "GET", pathAndQuery: "/", headers: [], timeouts: { dialTimeoutMs: 1000, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 1000 } } as unknown as RawForwardRequest;
  const run = new ForwardRun(pool, { key: "k", dial: { hostname: "127.0.0.1", port: 1, tls: false } }, req, ex, false, { answered: () => (answered = true), failed() {} });
  run.start();
  return { run, written, takes, answered: () => answered };
}

/** One upstream read: a response head and `bodyBytes` of its body, plus `extra` after them. */
function read(contentLength: number, bodyBytes: number, extra = ""): Uint8Array {
  const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${contentLength}\r\n\r\n`, "latin1");
  const bytes = new Uint8Array(head.length + bodyBytes + extra.length);
  bytes.set(head);
  bytes.fill(97, head.length, head.length + bodyBytes);
  bytes.set(Buffer.from(extra, "latin1"), head.length + bodyBytes);
  return bytes;
}

describe("ForwardRun frees an upstream read holding a head and body", () => {
  test("once the client's socket took the body piece, the whole read is freed", () => {
    const f = fakes();
    const chunk = read(100_000, 40_000);
    f.run.onData(chunk);
    expect(f.written).toHaveLength(1);
    expect(chunk.byteLength).toBe(0); // detached: its memory is gone
    // The rest of the body: a whole read, freed as before.
    const rest = new Uint8Array(60_000).fill(98);
    f.run.onData(rest);
    expect(rest.byteLength).toBe(0);
    expect(f.answered()).toBe(true);
  });

  test("a piece the client's socket queued keeps the read alive", () => {
    const f = fakes();
    f.takes.whole = false;
    const chunk = read(100_000, 40_000);
    f.run.onData(chunk);
    expect(chunk.byteLength).toBeGreaterThan(40_000);
    expect(f.written[0]!.byteLength).toBe(40_000); // what the queue holds is still readable
  });

  test("bytes after the response (kept by the parser) keep the read alive", () => {
    const f = fakes();
    const chunk = read(40_000, 40_000, "HTTP/1.1 200 OK\r\n");
    f.run.onData(chunk);
    expect(f.answered()).toBe(true);
    expect(chunk.byteLength).toBeGreaterThan(40_000);
  });

  test("a client socket that keeps references (node:tls, HTTP/2) keeps the read alive", () => {
    const f = fakes(false);
    const chunk = read(100_000, 40_000);
    f.run.onData(chunk);
    expect(chunk.byteLength).toBeGreaterThan(40_000);
  });

  test("a small read is left to the GC (its head fields may be read from its bytes)", () => {
    const f = fakes();
    const chunk = read(100_000, 8_000);
    f.run.onData(chunk);
    expect(f.written).toHaveLength(1);
    expect(chunk.byteLength).toBeGreaterThan(8_000);
  });
});
