// Label values as Traefik computes them, kept low-cardinality: the protocol
// is http/websocket/sse (not HTTP/1.1), unknown methods fold into one value.
import type { RequestContext } from "../server/request-context.ts";
import { headerFrom, type HeaderSource } from "../server/raw/header-list.ts";

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"]);

export function methodLabel(method: string): string {
  if (KNOWN_METHODS.has(method)) return method;
  // A client can send any token; one series per invented method would be unbounded.
  return "EXTENSION_METHOD";
}

/** "websocket" for an upgrade to WebSocket, "sse" when the client accepts event streams, else "http". */
export function protocolLabel(headers: HeaderSource | undefined): string {
  if (!headers) return "http";
  const upgrade = headerFrom(headers, "upgrade");
  if (upgrade !== null && /websocket/i.test(upgrade) && /upgrade/i.test(headerFrom(headers, "connection") ?? "")) return "websocket";
  const accept = headerFrom(headers, "accept");
  if (accept !== null && accept.includes("text/event-stream")) return "sse";
  return "http";
}

const CODE_TEXT: string[] = [];
for (let c = 100; c < 600; c++) CODE_TEXT[c] = String(c);

export function codeLabel(status: number): string {
  return CODE_TEXT[status] ?? String(status);
}

/** The status the service produced: the origin's, or Sluice's own answer inside the service (502, 504...). */
export function serviceStatus(ctx: RequestContext): number {
  return ctx.originStatus ?? ctx.downstreamStatus;
}
