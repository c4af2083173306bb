// One table of cases, run against both UpstreamClient implementations, with
// real backends on 127.0.0.1 (Bun.serve, plus raw Bun.listen for the byte
// sequences Bun.serve cannot produce).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FetchUpstreamClient } from "./fetch-client.ts";
import { PooledUpstreamClient } from "./pool-client.ts";
import { drain, patternBytes, sha256, startRawBackend, startServeBackend, streamOf, type RawBackend, type RawHandler } from "./test-backends.ts";
import { UpstreamError, type UpstreamClient, type UpstreamRequest } from "./types.ts";

const BIG = patternBytes(10 * 1024 * 1024, 7);
const BIG_SHA = sha256(BIG);
let serve: ReturnType<typeof startServeBackend>;
const raws: RawBackend[] = [];

beforeAll(() => {
  serve = startServeBackend(BIG);
});
afterAll(() => {
  serve.stop(true);
  for (const r of raws) r.stop();
});

function raw(handler: RawHandler): RawBackend {
  const b = startRawBackend(handler);
  raws.push(b);
  return b;
}

interface ReqInit {
  method?: string;
  headers?: Record<string, string>;
  body?: ReadableStream<Uint8Array> | null;
  signal?: AbortSignal;
  headerTimeoutMs?: number;
}

function mk(origin: string, pathAndQuery: string, init: ReqInit = {}): UpstreamRequest {
  const target = new URL(origin);
  const headers = new Headers(init.headers);
  if (!headers.has("host")) headers.set("host", target.host);
  return {
    target,
    method: init.method ?? "GET",
    pathAndQuery,
    headers,
    body: init.body ?? null,
    signal: init.signal,
    timeouts: { dialTimeoutMs: 2000, responseHeaderTimeoutMs: init.headerTimeoutMs ?? 0, idleConnTimeoutMs: 1000 },
  };
}

const httpOrigin = () => `http://127.0.0.1:${serve.port}`;
const rawOrigin = (b: RawBackend) => `http://127.0.0.1:${b.port}`;

async function rejection(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error("expected a rejection");
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await Bun.sleep(10);
  }
  return cond();
}

type Impl = "fetch" | "pool";
interface Case {
  name: string;
  run(client: UpstreamClient, impl: Impl): Promise<void>;
}

const cases: Case[] = [
  {
    name: "GET returns status, headers and body; path and query passed as given",
    async run(c) {
      const res = await c.request(mk(httpOrigin(), "/hello?x=1&y=%20"));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-path")).toBe("/hello?x=1&y=%20");
      expect(res.headers.get("content-length")).toBe("11");
      expect(await res.text()).toBe("hello world");
    },
  },
  {
    name: "POST with Content-Length passes the length through",
    async run(c) {
      const body = new TextEncoder().encode("abcdefghij".repeat(100));
      const res = await c.request(mk(httpOrigin(), "/echo", { method: "POST", headers: { "content-length": "1000", host: "echo.test" }, body: streamOf(body, 100) }));
      expect(res.headers.get("x-method")).toBe("POST");
      expect(res.headers.get("x-req-content-length")).toBe("1000");
      expect(res.headers.get("x-req-host")).toBe("echo.test");
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(body);
    },
  },
  {
    name: "POST of a body of unknown length goes chunked",
    async run(c) {
      const body = patternBytes(300_000, 3);
      const res = await c.request(mk(httpOrigin(), "/echo", { method: "POST", body: streamOf(body, 7000) }));
      expect(res.headers.get("x-req-transfer-encoding")).toBe("chunked");
      expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(body));
    },
  },
  {
    name: "10 MB upload streamed with checksum",
    async run(c) {
      const res = await c.request(mk(httpOrigin(), "/sha", { method: "PUT", body: streamOf(BIG) }));
      expect(await res.json()).toEqual({ length: BIG.length, sha: BIG_SHA });
    },
  },
  {
    name: "10 MB download (Content-Length and chunked) with checksum",
    async run(c) {
      const a = await c.request(mk(httpOrigin(), "/big"));
      expect(a.headers.get("content-length")).toBe(String(BIG.length));
      expect(await drain(a.body)).toEqual({ length: BIG.length, sha: BIG_SHA });
      const b = await c.request(mk(httpOrigin(), "/big-chunked"));
      expect(await drain(b.body)).toEqual({ length: BIG.length, sha: BIG_SHA });
    },
  },
  {
    name: "HEAD, 204 and 304 have no body and leave the connection in sync",
    async run(c) {
      const head = await c.request(mk(httpOrigin(), "/big", { method: "HEAD" }));
      expect(head.status).toBe(200);
      expect((await head.arrayBuffer()).byteLength).toBe(0);
      const r204 = await c.request(mk(httpOrigin(), "/204"));
      expect(r204.status).toBe(204);
      expect((await r204.arrayBuffer()).byteLength).toBe(0);
      const r304 = await c.request(mk(httpOrigin(), "/304"));
      expect(r304.status).toBe(304);
      expect(r304.headers.get("etag")).toBe('"x"');
      expect((await r304.arrayBuffer()).byteLength).toBe(0);
      const after = await c.request(mk(httpOrigin(), "/hello"));
      expect(await after.text()).toBe("hello world");
    },
  },
  {
    name: "several Set-Cookie headers stay apart",
    async run(c) {
      const res = await c.request(mk(httpOrigin(), "/cookies"));
      expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2, c=3; Path=/x"]);
      await res.arrayBuffer();
    },
  },
  {
    name: "gzip body is not decompressed and Content-Encoding is kept",
    async run(c) {
      const res = await c.request(mk(httpOrigin(), "/gzip", { headers: { "accept-encoding": "gzip" } }));
      expect(res.headers.get("content-encoding")).toBe("gzip");
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
      expect(new TextDecoder().decode(Bun.gunzipSync(bytes))).toBe("compressed payload ".repeat(50));
    },
  },
  {
    name: "redirects are returned, not followed",
    async run(c) {
      const res = await c.request(mk(httpOrigin(), "/redirect"));
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/hello");
      await res.arrayBuffer();
    },
  },
  {
    name: "connection refused maps to refused",
    async run(c) {
      const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      const port = l.port;
      l.stop(true);
      const err = await rejection(c.request(mk(`http://127.0.0.1:${port}`, "/")));
      expect(err.kind).toBe("refused");
    },
  },
  {
    name: "response header timeout maps to header-timeout",
    async run(c) {
      const t0 = performance.now();
      const err = await rejection(c.request(mk(httpOrigin(), "/slow?ms=1500", { headerTimeoutMs: 200 })));
      expect(err.kind).toBe("header-timeout");
      expect(performance.now() - t0).toBeLessThan(1200);
    },
  },
  {
    name: "client abort before the response head maps to aborted",
    async run(c) {
      const ctrl = new AbortController();
      setTimeout(() => ctrl.abort(), 50);
      const t0 = performance.now();
      const err = await rejection(c.request(mk(httpOrigin(), "/slow?ms=1500", { signal: ctrl.signal })));
      expect(err.kind).toBe("aborted");
      expect(performance.now() - t0).toBeLessThan(1000);
    },
  },
  {
    name: "chunked response with trailers: trailers discarded, body intact",
    async run(c) {
      const b = raw(async (_req, conn) => {
        await conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5;ext=1\r\nhello\r\n");
        await conn.write("6\r\n world\r\n0\r\nX-Sum: abc\r\n\r\n");
      });
      const res = await c.request(mk(rawOrigin(b), "/"));
      expect(await res.text()).toBe("hello world");
      const again = await c.request(mk(rawOrigin(b), "/"));
      expect(await again.text()).toBe("hello world");
    },
  },
  {
    name: "1xx interim responses are skipped",
    async run(c) {
      const b = raw(async (_req, conn) => {
        await conn.write("HTTP/1.1 100 Continue\r\n\r\n");
        await Bun.sleep(20);
        await conn.write("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone");
      });
      const res = await c.request(mk(rawOrigin(b), "/"));
      expect(res.status).toBe(201);
      expect(await res.text()).toBe("done");
    },
  },
  {
    name: "body delimited by connection close is read to the end",
    async run(c) {
      const b = raw(async (_req, conn) => {
        await conn.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart one, ");
        await Bun.sleep(20);
        await conn.write("part two");
        conn.end();
      });
      const res = await c.request(mk(rawOrigin(b), "/"));
      expect(await res.text()).toBe("part one, part two");
      const next = await c.request(mk(rawOrigin(b), "/"));
      expect(await next.text()).toBe("part one, part two");
      expect(b.accepted).toBe(2);
    },
  },
  {
    name: "close mid-body errors the body stream",
    async run(c) {
      const b = raw(async (_req, conn) => {
        await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
        await Bun.sleep(20);
        conn.end();
      });
      const res = await c.request(mk(rawOrigin(b), "/"));
      expect(res.status).toBe(200);
      let failed = false;
      try {
        await res.arrayBuffer();
      } catch {
        failed = true;
      }
      expect(failed).toBe(true);
    },
  },
  {
    name: "malformed status line is a protocol error",
    async run(c, impl) {
      const b = raw(async (_req, conn) => {
        await conn.write("HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok");
        conn.end();
      });
      const err = await rejection(c.request(mk(rawOrigin(b), "/")));
      if (impl === "pool") expect(err.kind).toBe("protocol");
    },
  },
  {
    name: "oversized response head is a protocol error",
    async run(c, impl) {
      const b = raw(async (_req, conn) => {
        await conn.write(`HTTP/1.1 200 OK\r\n${`X-Big: ${"a".repeat(1000)}\r\n`.repeat(300)}Content-Length: 2\r\n\r\nok`);
        conn.end();
      });
      const err = await rejection(c.request(mk(rawOrigin(b), "/")));
      if (impl === "pool") expect(err.kind).toBe("protocol");
    },
  },
  {
    name: "keep-alive connections are reused",
    async run(c) {
      const b = raw((req, conn) => void conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${String(req.seq).length}\r\n\r\n${req.seq}`));
      const seen: string[] = [];
      for (let i = 0; i < 5; i++) seen.push(await (await c.request(mk(rawOrigin(b), "/"))).text());
      expect(seen).toEqual(["1", "2", "3", "4", "5"]);
      expect(b.accepted).toBe(1);
    },
  },
  {
    name: "a pooled socket closed by the upstream as we write is retried on a fresh one",
    async run(c) {
      // The second request on a connection finds it closed with nothing answered.
      const b = raw((req, conn) => {
        if (req.seq === 1) void conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        else conn.end();
      });
      expect(await (await c.request(mk(rawOrigin(b), "/"))).text()).toBe("ok");
      expect(await (await c.request(mk(rawOrigin(b), "/"))).text()).toBe("ok");
      expect(b.accepted).toBe(2);
    },
  },
  {
    name: "an upstream that closes idle keep-alive sockets does not break the next request",
    async run(c) {
      const b = raw(async (_req, conn) => {
        await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await Bun.sleep(50);
        conn.end();
      });
      expect(await (await c.request(mk(rawOrigin(b), "/"))).text()).toBe("ok");
      await waitFor(() => b.closed === 1);
      expect(await (await c.request(mk(rawOrigin(b), "/"))).text()).toBe("ok");
      expect(b.accepted).toBe(2);
    },
  },
  {
    name: "a slow reader applies backpressure to the upstream",
    async run(c) {
      let upstreamConn: { written: number; closed: boolean } | null = null;
      const chunk = new Uint8Array(64 * 1024).fill(120);
      const b = raw(async (_req, conn) => {
        upstreamConn = conn;
        await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n");
        for (let i = 0; i < 16_000 && !conn.closed; i++) await conn.write(chunk);
      });
      const ctrl = new AbortController();
      const res = await c.request(mk(rawOrigin(b), "/", { signal: ctrl.signal }));
      const reader = res.body!.getReader();
      await reader.read();
      await Bun.sleep(400);
      const written = upstreamConn!.written;
      // Unbounded buffering would have taken hundreds of MB by now on loopback.
      expect(written).toBeLessThan(64 * 1024 * 1024);
      ctrl.abort();
      await reader.cancel().catch(() => {});
      expect(await waitFor(() => b.closed === 1)).toBe(true);
    },
  },
  {
    name: "abort mid-download closes the upstream socket",
    async run(c) {
      const b = raw(async (_req, conn) => {
        await conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (let i = 0; i < 200 && !conn.closed; i++) {
          await conn.write("5\r\nchunk\r\n");
          await Bun.sleep(10);
        }
      });
      const ctrl = new AbortController();
      const res = await c.request(mk(rawOrigin(b), "/", { signal: ctrl.signal }));
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      ctrl.abort();
      await reader.read().catch(() => {});
      expect(await waitFor(() => b.closed === 1, 1500)).toBe(true);
    },
  },
  {
    name: "cancelling the response body closes the upstream socket",
    async run(c) {
      const b = raw(async (_req, conn) => {
        await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
        for (let i = 0; i < 200 && !conn.closed; i++) {
          await conn.write("x".repeat(100));
          await Bun.sleep(10);
        }
      });
      const res = await c.request(mk(rawOrigin(b), "/"));
      const reader = res.body!.getReader();
      await reader.read();
      await reader.cancel();
      expect(await waitFor(() => b.closed === 1, 1500)).toBe(true);
    },
  },
];

const impls: { name: Impl; make(): UpstreamClient }[] = [
  { name: "fetch", make: () => new FetchUpstreamClient() },
  { name: "pool", make: () => new PooledUpstreamClient({ maxIdleConnsPerHost: 8, idleConnTimeoutMs: 5000 }) },
];

for (const impl of impls) {
  describe(`UpstreamClient conformance: ${impl.name}`, () => {
    for (const c of cases) {
      test(c.name, async () => {
        const client = impl.make();
        try {
          await c.run(client, impl.name);
        } finally {
          client.close();
        }
      }, 15_000);
    }
  });
}
