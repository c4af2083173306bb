// A demo backend in the manner of traefik/whoami: it tells who answered and
// what request arrived, and offers the endpoints benchmarks and health checks
// need (`/bench`, `/data`, `/echo`, `/health`, a WebSocket echo).
import { collectInfo, formatText, parseGoDuration } from "./whoami-info.ts";
import { DATA_CHUNK_SIZE, dataBytes, dataStream, parseDataSize } from "./whoami-data.ts";

export interface WhoamiOptions {
  port: number;
  /** Address to bind; default 0.0.0.0 (every IPv4 interface). */
  hostname?: string;
  /** Printed as `Name:` and returned as `name`, like WHOAMI_NAME. */
  name?: string;
}

type WhoamiServer = ReturnType<typeof Bun.serve>;

export interface Whoami {
  server: WhoamiServer;
  url: string;
  stop(): void;
}

const TEXT = { "content-type": "text/plain; charset=utf-8" };
const BENCH_BODY = "1";

function isWebSocketUpgrade(req: Request): boolean {
  return (req.headers.get("upgrade") ?? "").toLowerCase() === "websocket";
}

export function startWhoami(opts: WhoamiOptions): Whoami {
  const hostname = opts.hostname ?? "0.0.0.0";
  // Status the health endpoint answers with; `POST /health` with a code changes it.
  let healthStatus = 200;

  const server: WhoamiServer = Bun.serve({
    port: opts.port,
    hostname,
    development: false,
    // Uploads echoed back may be far over Bun's 128 MB default.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    websocket: {
      message(ws, message) {
        ws.send(message);
      },
    },
    async fetch(req, srv): Promise<Response | undefined> {
      const url = new URL(req.url);
      switch (url.pathname) {
        case "/bench":
          return new Response(BENCH_BODY, { headers: TEXT });
        case "/health":
          return health(req);
        case "/data":
          return data(url);
        case "/ws":
          return upgrade(req, srv);
        case "/echo":
          // traefik/whoami's /echo is a WebSocket echo: keep that for upgrade requests.
          if (isWebSocketUpgrade(req)) return upgrade(req, srv);
          return new Response(req.body, {
            headers: { "content-type": req.headers.get("content-type") ?? "application/octet-stream" },
          });
      }
      const wait = url.searchParams.get("wait");
      if (wait !== null) {
        const ms = parseGoDuration(wait);
        if (ms === undefined) return new Response(`invalid wait duration: ${wait}\n`, { status: 400, headers: TEXT });
        // Keep the idle timer from cutting the connection while we wait on purpose.
        srv.timeout(req, Math.min(255, Math.ceil(ms / 1000) + 10));
        await Bun.sleep(ms);
      }
      const info = collectInfo(req, srv.requestIP(req), opts.name);
      if (url.pathname === "/api") return Response.json(info);
      return new Response(formatText(info), { headers: TEXT });
    },
  });

  async function health(req: Request): Promise<Response> {
    if (req.method !== "POST") return new Response(null, { status: healthStatus });
    const text = (await req.text()).trim();
    const code = /^\d{3}$/.test(text) ? Number(text) : NaN;
    if (!(code >= 200 && code <= 599)) {
      return new Response(`status must be a number from 200 to 599, got ${JSON.stringify(text)}\n`, {
        status: 400,
        headers: TEXT,
      });
    }
    healthStatus = code;
    return new Response(null, { status: 200 });
  }

  function data(url: URL): Response {
    const size = parseDataSize(url.searchParams.get("size"), url.searchParams.get("unit"));
    if (size === undefined) return new Response("size must be a whole number of bytes (unit: KB, MB, GB, TB)\n", { status: 400, headers: TEXT });
    const headers = { "content-type": "application/octet-stream" };
    // Small bodies go out as one buffer, which also keeps their Content-Length.
    if (size <= DATA_CHUNK_SIZE) return new Response(dataBytes(size), { headers });
    return new Response(dataStream(size), { headers });
  }

  function upgrade(req: Request, srv: WhoamiServer): Response | undefined {
    if (srv.upgrade(req, { data: undefined })) return undefined;
    return new Response("expected a WebSocket upgrade\n", { status: 426, headers: TEXT });
  }

  const shownHost = hostname === "0.0.0.0" ? "127.0.0.1" : hostname === "::" ? "[::1]" : hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    server,
    url: `http://${shownHost}:${server.port}`,
    stop() {
      server.stop(true);
    },
  };
}
