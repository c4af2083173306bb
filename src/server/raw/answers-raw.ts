import type { RequestContext } from "../request-context.ts";
import type { RawExchange } from "./connection.ts";

// Sluice's own short answers (404, 502, ...) written straight to a raw exchange.

const REASONS: Record<number, string> = {
  400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error",
  501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};

export function rawAnswer(ex: RawExchange, ctx: RequestContext, status: number, text: string, reason: string): void {
  ctx.error = reason;
  ctx.downstreamStatus = status;
  const body = Buffer.from(`${text}\n`, "latin1");
  ctx.downstreamContentSize = body.length;
  ex.writeHead(status, REASONS[status] ?? "Error", [["Content-Type", "text/plain; charset=utf-8"]], { contentLength: body.length });
  ex.end(body);
}

export const rawNotFound = (ex: RawExchange, ctx: RequestContext) => rawAnswer(ex, ctx, 404, "404 page not found", "no router matched");
