import type { ServerWebSocket, WebSocketHandler } from "bun";
import { splitRequestUrl } from "../server/request-target.ts";
import { applyForwardedHeaders, ENTRY_FILTERED } from "../server/forwarded-headers.ts";
import { badGateway, gatewayTimeout } from "../server/answers.ts";
import type { ConnInfo } from "../server/handler.ts";
import type { RequestContext } from "../server/request-context.ts";
import { joinPath, type ForwardOptions } from "./proxy.ts";

// WebSocket proxying: open the upstream socket first (so its handshake answer,
// including the chosen subprotocol, can be passed on), then upgrade the
// client and relay frames both ways. Frames from the upstream that arrive
// before the client side is open are queued.

export interface BridgeData {
  upstream: WebSocket;
  client: ServerWebSocket<BridgeData> | null;
  pending: (string | ArrayBuffer)[];
  ctx: RequestContext;
  onClosed: () => void;
}

// Request headers the WebSocket client sets itself or that belong to the hop.
const NOT_FORWARDED = new Set([
  "connection", "upgrade", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
  "sec-websocket-protocol", "host", "content-length", "transfer-encoding", "keep-alive", "te",
]);

export function isWebSocketUpgrade(req: Request): boolean {
  const upgrade = req.headers.get("upgrade");
  return upgrade !== null && upgrade.toLowerCase() === "websocket" && req.method === "GET";
}

export async function bridgeWebSocket(
  req: Request,
  ctx: RequestContext,
  conn: ConnInfo,
  target: URL,
  opts: ForwardOptions,
  onDone: () => void,
): Promise<Response | undefined> {
  if (!conn.server) {
    onDone();
    return new Response("WebSocket upgrade is not available here\n", { status: 501 });
  }
  const server = conn.server;
  const headers = new Headers();
  for (const [k, v] of req.headers) if (!NOT_FORWARDED.has(k)) headers.append(k, v);
  applyForwardedHeaders(
    headers,
    { clientIp: conn.clientIp, scheme: conn.scheme, host: ctx.host, entryPointPort: conn.entryPointPort, serverName: opts.proxyHostname, websocket: true },
    ENTRY_FILTERED,
  );
  if (opts.passHostHeader && ctx.host) headers.set("host", ctx.host);
  const protocols = (req.headers.get("sec-websocket-protocol") ?? "")
    .split(",").map((p) => p.trim()).filter(Boolean);
  const wsScheme = target.protocol === "https:" ? "wss:" : "ws:";
  // The path of `req`, not ctx.path: middlewares (stripPrefix...) may have rewritten it.
  const url = `${wsScheme}//${target.host}${joinPath(target.pathname, splitRequestUrl(req.url).pathAndQuery)}`;
  ctx.serviceUrl = target.href;
  ctx.serviceAddr = target.host;

  const upstream = new WebSocket(url, {
    headers: Object.fromEntries(headers),
    protocols,
    tls: opts.tls ? { rejectUnauthorized: !opts.tls.insecureSkipVerify, serverName: opts.tls.serverName } : undefined,
  } as unknown as string[]);
  upstream.binaryType = "arraybuffer";
  const opened = await waitOpen(upstream, opts.timeouts.dialTimeoutMs || 30_000);
  if (opened !== "open") {
    onDone();
    return opened === "timeout" ? gatewayTimeout(ctx, "websocket upstream timeout") : badGateway(ctx, "websocket upstream refused");
  }

  const data: BridgeData = { upstream, client: null, pending: [], ctx, onClosed: onDone };
  upstream.onmessage = (ev) => {
    const payload = ev.data as string | ArrayBuffer;
    if (data.client) data.client.send(payload);
    else data.pending.push(payload);
  };
  upstream.onclose = (ev) => closeQuietly(data.client, ev.code, ev.reason);
  upstream.onerror = () => closeQuietly(data.client, 1011, "upstream error");

  const responseHeaders: Record<string, string> = {};
  if (upstream.protocol) responseHeaders["Sec-WebSocket-Protocol"] = upstream.protocol;
  if (!server.upgrade(req, { data, headers: responseHeaders })) {
    upstream.close();
    onDone();
    return new Response("WebSocket upgrade failed\n", { status: 400 });
  }
  ctx.downstreamStatus = 101;
  ctx.originStatus = 101;
  return undefined;
}

function waitOpen(ws: WebSocket, timeoutMs: number): Promise<"open" | "error" | "timeout"> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { resolve("timeout"); ws.close(); }, timeoutMs);
    ws.onopen = () => { clearTimeout(timer); resolve("open"); };
    ws.onerror = () => { clearTimeout(timer); resolve("error"); };
    ws.onclose = () => { clearTimeout(timer); resolve("error"); };
  });
}

/** 1005 and 1006 are reserved (never sent on the wire): report them as a normal close. */
function sendableCode(code: number): number {
  return code === 1005 || code === 1006 || code < 1000 ? 1000 : code;
}

function closeQuietly(ws: ServerWebSocket<BridgeData> | WebSocket | null, code: number, reason: string): void {
  if (!ws) return;
  try {
    ws.close(sendableCode(code), reason);
  } catch {
    try { ws.close(1000); } catch { /* already closed */ }
  }
}

/** The one websocket handler every entrypoint's Bun.serve uses. */
export const websocketHandler: WebSocketHandler<BridgeData> = {
  open(ws) {
    ws.data.client = ws;
    for (const m of ws.data.pending) ws.send(m);
    ws.data.pending = [];
    if (ws.data.upstream.readyState >= WebSocket.CLOSING) closeQuietly(ws, 1000, "");
  },
  message(ws, message) {
    const up = ws.data.upstream;
    if (up.readyState === WebSocket.OPEN) up.send(message);
  },
  close(ws, code, reason) {
    closeQuietly(ws.data.upstream, code, reason);
    ws.data.onClosed();
  },
  maxPayloadLength: 64 * 1024 * 1024,
  idleTimeout: 0,
};
