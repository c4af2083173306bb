// Backends for the upstream client tests: a Bun.serve one for ordinary HTTP and
// a raw Bun.listen one that writes exactly the bytes a case needs (trailers,
// 1xx, malformed heads, mid-body closes) and counts connections.
import type { Socket } from "bun";
import { createHash } from "node:crypto";

export interface RawRequest {
  method: string;
  path: string;
  headers: Map<string, string>;
  /** Number of this request on its connection, from 1. */
  seq: number;
}

export interface RawConn {
  /** Writes with drain handling; resolves when the kernel took everything. */
  write(data: string | Uint8Array): Promise<void>;
  end(): void;
  readonly closed: boolean;
  /** Bytes handed to the kernel so far. */
  readonly written: number;
}

export type RawHandler = (req: RawRequest, conn: RawConn) => void | Promise<void>;

interface ConnState {
  buf: string;
  seq: number;
  queue: Uint8Array[];
  waiters: (() => void)[];
  conn: RawConn;
  closed: boolean;
  written: number;
}

export interface RawBackend {
  port: number;
  accepted: number;
  closed: number;
  stop(): void;
}

/** Requests are assumed bodyless (the raw cases only need GET/HEAD). */
export function startRawBackend(handler: RawHandler): RawBackend {
  const stats = { accepted: 0, closed: 0 };
  const flush = (s: Socket<ConnState>) => {
    const st = s.data;
    while (st.queue.length) {
      const head = st.queue[0]!;
      const n = s.write(head);
      if (n < 0) return;
      st.written += n;
      if (n < head.length) {
        st.queue[0] = head.subarray(n);
        return;
      }
      st.queue.shift();
    }
    for (const w of st.waiters.splice(0)) w();
  };
  const listener = Bun.listen<ConnState>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        stats.accepted++;
        const st: ConnState = { buf: "", seq: 0, queue: [], waiters: [], closed: false, written: 0, conn: null! };
        st.conn = {
          write(data) {
            if (st.closed) return Promise.resolve();
            st.queue.push(typeof data === "string" ? Buffer.from(data, "latin1") : data);
            return new Promise<void>((resolve) => {
              st.waiters.push(resolve);
              flush(s);
            });
          },
          end: () => s.end(),
          get closed() {
            return st.closed;
          },
          get written() {
            return st.written;
          },
        };
        s.data = st;
      },
      data(s, chunk) {
        const st = s.data;
        st.buf += Buffer.from(chunk).toString("latin1");
        for (;;) {
          const end = st.buf.indexOf("\r\n\r\n");
          if (end < 0) return;
          const lines = st.buf.slice(0, end).split("\r\n");
          st.buf = st.buf.slice(end + 4);
          const [method = "", path = ""] = lines[0]!.split(" ");
          const headers = new Map<string, string>();
          for (const l of lines.slice(1)) {
            const i = l.indexOf(":");
            headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
          }
          void handler({ method, path, headers, seq: ++st.seq }, st.conn);
        }
      },
      drain(s) {
        flush(s);
      },
      close(s) {
        stats.closed++;
        if (s.data) {
          s.data.closed = true;
          for (const w of s.data.waiters.splice(0)) w();
        }
      },
    },
  });
  return {
    port: listener.port,
    get accepted() {
      return stats.accepted;
    },
    get closed() {
      return stats.closed;
    },
    stop: () => listener.stop(true),
  };
}

/** Deterministic pseudo-random bytes (xorshift), so both ends can checksum. */
export function patternBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A stream of `data` in `chunk`-sized pieces, pulled lazily (so it can be slow). */
export function streamOf(data: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (off >= data.length) return c.close();
      c.enqueue(data.slice(off, off + chunk));
      off += chunk;
    },
  });
}

/** Reads a body stream to the end, returning its bytes and sha256. */
export async function drain(body: ReadableStream<Uint8Array> | null): Promise<{ length: number; sha: string }> {
  const h = createHash("sha256");
  let length = 0;
  if (body) {
    for await (const chunk of body) {
      h.update(chunk);
      length += chunk.length;
    }
  }
  return { length, sha: h.digest("hex") };
}

/** The ordinary HTTP backend (Bun.serve). */
export function startServeBackend(big: Uint8Array, tls?: { cert: string; key: string }) {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    development: false,
    maxRequestBodySize: 64 * 1024 * 1024,
    tls,
    async fetch(req) {
      const url = new URL(req.url);
      switch (url.pathname) {
        case "/hello":
          return new Response("hello world", { headers: { "x-path": url.pathname + url.search } });
        case "/echo": {
          const body = new Uint8Array(await req.arrayBuffer());
          return new Response(body, {
            headers: {
              "x-method": req.method,
              "x-req-content-length": req.headers.get("content-length") ?? "",
              "x-req-transfer-encoding": req.headers.get("transfer-encoding") ?? "",
              "x-req-host": req.headers.get("host") ?? "",
            },
          });
        }
        case "/sha": {
          const { length, sha } = await drain(req.body);
          return Response.json({ length, sha });
        }
        case "/big":
          return new Response(big);
        case "/big-chunked":
          return new Response(streamOf(big));
        case "/cookies": {
          const h = new Headers();
          h.append("set-cookie", "a=1; Path=/");
          h.append("set-cookie", "b=2, c=3; Path=/x");
          return new Response("ok", { headers: h });
        }
        case "/gzip":
          return new Response(Bun.gzipSync(Buffer.from("compressed payload ".repeat(50))), {
            headers: { "content-encoding": "gzip", "content-type": "text/plain" },
          });
        case "/redirect":
          return new Response(null, { status: 302, headers: { location: "/hello" } });
        case "/204":
          return new Response(null, { status: 204 });
        case "/304":
          return new Response(null, { status: 304, headers: { etag: '"x"' } });
        case "/slow":
          await Bun.sleep(Number(url.searchParams.get("ms") ?? 1000));
          return new Response("late");
        default:
          return new Response("not found", { status: 404 });
      }
    },
  });
}
