// Backends for streaming.test.ts: one Bun.serve for most routes, one node:http
// where the test needs exact control of response header lines.
import { createServer, type Server as NodeServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Server } from "bun";
import { Digest, deterministicStream } from "../harness/data.ts";

export interface StreamingBackends {
  bun: Server<unknown>;
  node: NodeServer;
  nodePort: number;
  /** Digest of what /download sent, by the `id` query parameter. */
  downloads: Map<string, Digest>;
  /** Bytes /endless produced so far (it produces only when pulled). */
  endlessProduced(): number;
  redirectTargetHits(): number;
  /** When the SSE route enqueued each event (performance.now() of this process). */
  sseSentAt: number[];
  gzipBody: Uint8Array;
  stop(): Promise<void>;
}

// Compresses to ~300 KiB: above the proxy's 64 KiB buffer-whole limit, so it streams.
const GZIP_PLAIN_SIZE = 2 * 1024 * 1024;

export async function startStreamingBackends(): Promise<StreamingBackends> {
  const downloads = new Map<string, Digest>();
  let endless = 0;
  let redirectHits = 0;
  const sseSentAt: number[] = [];
  // Text that compresses but not to nothing; large enough to take the streamed path.
  const plain = new TextEncoder().encode(
    Array.from({ length: GZIP_PLAIN_SIZE / 16 }, (_, i) => `line ${String(i).padStart(9, "0")}\n`).join(""),
  );
  const gzipBody = Bun.gzipSync(plain);

  const bun = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    development: false,
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    async fetch(req) {
      const url = new URL(req.url);
      switch (url.pathname) {
        case "/download": {
          const digest = new Digest();
          downloads.set(url.searchParams.get("id") ?? "", digest);
          const total = Number(url.searchParams.get("bytes"));
          return new Response(deterministicStream(total, (c) => digest.update(c)), {
            headers: { "content-type": "application/octet-stream" },
          });
        }
        case "/upload": {
          const digest = new Digest();
          if (req.body) for await (const c of req.body) digest.update(c);
          return Response.json({
            hex: digest.hex(),
            bytes: digest.bytes,
            contentLength: req.headers.get("content-length"),
            transferEncoding: req.headers.get("transfer-encoding"),
          });
        }
        case "/endless":
          return new Response(deterministicStream(8 * 1024 * 1024 * 1024, (c) => (endless += c.byteLength)));
        case "/small":
          return new Response("hello, small world\n", { headers: { "content-type": "text/plain" } });
        case "/head":
          // Bun answers HEAD with this Content-Length and no body.
          return new Response("x".repeat(1234), { headers: { "x-route": "head" } });
        case "/no-content":
          return new Response(null, { status: 204, headers: { "x-route": "204" } });
        case "/not-modified":
          return new Response(null, { status: 304, headers: { etag: '"v1"' } });
        case "/cookies": {
          const h = new Headers();
          h.append("set-cookie", "a=1; Path=/; HttpOnly");
          h.append("set-cookie", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/");
          h.append("set-cookie", "c=3");
          return new Response("cookies\n", { headers: h });
        }
        case "/gzip":
          return new Response(gzipBody, { headers: { "content-encoding": "gzip", "content-type": "text/plain" } });
        case "/redirect":
          return new Response(null, { status: 302, headers: { location: "/redirect-target" } });
        case "/redirect-target":
          redirectHits++;
          return new Response("followed\n");
        case "/echo-headers": {
          const lines: [string, string][] = [];
          for (const [k, v] of req.headers) lines.push([k, v]);
          return Response.json(lines);
        }
        case "/sse": {
          const enc = new TextEncoder();
          let timer: ReturnType<typeof setTimeout> | undefined;
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              sseSentAt.length = 0;
              sseSentAt.push(performance.now());
              controller.enqueue(enc.encode("event: tick\ndata: one\n\n"));
              timer = setTimeout(() => {
                sseSentAt.push(performance.now());
                controller.enqueue(enc.encode("event: tick\ndata: two\n\n"));
                controller.close();
              }, 1500);
            },
            cancel() {
              clearTimeout(timer);
            },
          });
          return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
        }
      }
      return new Response("no such route\n", { status: 404 });
    },
  });

  // node:http writes the header lines we set, including Connection and friends.
  const node = createServer((req, res) => {
    if (req.url === "/node/hop") {
      res.setHeader("Connection", "X-Resp-Named, close");
      res.setHeader("X-Resp-Named", "secret");
      res.setHeader("Keep-Alive", "timeout=42");
      res.setHeader("Upgrade", "foo/1");
      res.setHeader("Proxy-Authenticate", "Basic realm=x");
      res.setHeader("Proxy-Authorization", "Basic c2VjcmV0");
      res.setHeader("X-Resp-Kept", "yes");
      res.end("hop\n");
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => node.listen(0, "127.0.0.1", resolve));

  return {
    bun: bun as Server<unknown>,
    node,
    nodePort: (node.address() as AddressInfo).port,
    downloads,
    endlessProduced: () => endless,
    redirectTargetHits: () => redirectHits,
    sseSentAt,
    gzipBody,
    stop: async () => {
      await bun.stop(true);
      node.closeAllConnections();
      await new Promise<void>((resolve) => node.close(() => resolve()));
    },
  };
}

/** Dynamic config: everything to the Bun backend, /node to the node:http one. */
export function streamingDynamicConfig(bunPort: number, nodePort: number): string {
  return `http:
  routers:
    all:
      entryPoints: [web]
      rule: "PathPrefix(\`/\`)"
      service: bun-backend
    node:
      entryPoints: [web]
      rule: "PathPrefix(\`/node\`)"
      service: node-backend
  services:
    bun-backend:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:${bunPort}"
    node-backend:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:${nodePort}"
`;
}
