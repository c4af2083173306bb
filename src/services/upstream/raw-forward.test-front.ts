// A test front for RawUpstreamPool: listenRaw on 127.0.0.1:0 forwarding every
// request to the backend port named in its `x-to` header (or the default),
// answering UpstreamErrors as the real entrypoint would (502/504, body = kind).
import type { Socket, TCPSocketListener } from "bun";
import { listenRaw } from "../../server/raw/connection.ts";
import { RawUpstreamPool, type RawForwardOutcome } from "./raw-forward.ts";
import { UpstreamError, type UpstreamTimeouts, type UpstreamTlsOptions } from "./types.ts";

const HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "x-to"]);

export interface TestFront {
  port: number;
  pool: RawUpstreamPool;
  results: RawForwardOutcome[];
  errors: UpstreamError[];
  /** Set when the error path could not write its 502 (i.e. forward had written something). */
  writeAfterError: string[];
  stop(): void;
}

export function startFront(defaultPort: number, timeouts: Partial<UpstreamTimeouts> = {}, upstream: { https?: boolean; tls?: UpstreamTlsOptions; idleConnTimeoutMs?: number } = {}): TestFront {
  const pool = new RawUpstreamPool({ maxIdleConnsPerHost: 8, idleConnTimeoutMs: upstream.idleConnTimeoutMs ?? 5000 });
  const scheme = upstream.https ? "https" : "http";
  const t: UpstreamTimeouts = { dialTimeoutMs: 2000, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 5000, ...timeouts };
  const front: TestFront = { port: 0, pool, results: [], errors: [], writeAfterError: [], stop: () => {} };
  const listener: TCPSocketListener<unknown> = listenRaw({
    hostname: "127.0.0.1",
    port: 0,
    onRequest(ex) {
      const h = ex.head;
      const to = h.headers.find(([n]) => n.toLowerCase() === "x-to")?.[1] ?? String(defaultPort);
      const headers = h.headers.filter(([n]) => !HOP.has(n.toLowerCase()));
      headers.push(["X-Forwarded-For", ex.remoteAddress]);
      const req = { target: new URL(`${scheme}://127.0.0.1:${to}`), method: h.method, pathAndQuery: h.path, headers, timeouts: t, tls: upstream.tls };
      const run = h.upgrade ? pool.tunnelOutcome(req, ex) : pool.forward(req, ex);
      run.then(
        (r) => front.results.push(r),
        (err: UpstreamError) => {
          front.errors.push(err);
          if (err.kind === "aborted") return;
          try {
            const status = err.kind.endsWith("timeout") ? 504 : 502;
            ex.writeHead(status, "Upstream Error", [], { contentLength: err.kind.length });
            ex.end(Buffer.from(err.kind));
          } catch (e) {
            front.writeAfterError.push(String(e));
          }
        },
      );
    },
  }) as TCPSocketListener<unknown>;
  front.port = listener.port;
  front.stop = () => {
    listener.stop(true);
    pool.close();
  };
  return front;
}

/** A port nothing listens on (bound, then released). */
export function closedPort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

export interface RawTalk {
  /** Everything received so far (joined on demand). */
  readonly received: Buffer;
  readonly receivedBytes: number;
  closed: boolean;
  socket: Socket<undefined>;
  /** Waits until `pred` holds or the socket closed or `ms` passed. */
  until(pred: (text: string) => boolean, ms?: number): Promise<boolean>;
  text(): string;
}

/** A raw client connection to the front. */
export async function rawClient(port: number): Promise<RawTalk> {
  let wake = () => {};
  const chunks: Buffer[] = [];
  let bytes = 0;
  const t: RawTalk = {
    get received() {
      if (chunks.length > 1) chunks.splice(0, chunks.length, Buffer.concat(chunks));
      return chunks[0] ?? Buffer.alloc(0);
    },
    get receivedBytes() {
      return bytes;
    },
    closed: false,
    socket: null!,
    text: () => t.received.toString("latin1"),
    async until(pred, ms = 3000) {
      const deadline = Date.now() + ms;
      while (!pred(t.text()) && !t.closed && Date.now() < deadline) {
        await Promise.race([new Promise<void>((r) => (wake = r)), Bun.sleep(20)]);
      }
      return pred(t.text());
    },
  };
  t.socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, chunk) {
        chunks.push(Buffer.from(chunk));
        bytes += chunk.length;
        wake();
      },
      close() {
        t.closed = true;
        wake();
      },
    },
  });
  return t;
}

/** Polls `pred` every 10 ms up to `ms`. */
export async function eventually(pred: () => boolean, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!pred() && Date.now() < deadline) await Bun.sleep(10);
  return pred();
}
