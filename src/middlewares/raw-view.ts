import type { HeaderList } from "../server/raw/http1-head.ts";
import type { RawExchange } from "../server/raw/connection.ts";
import type { RequestContext } from "../server/request-context.ts";

// What a middleware's raw form (RawMiddleware) works with: the request head
// as a header list (names as sent, matched case-insensitively), the path to
// forward in ctx.forwardPath, answers written straight to the exchange, and
// response headers through RawExchange.onResponseHead.

export { deleteHeader, getHeader, setHeader } from "../server/raw/header-list.ts";

/** Answers the request from the middleware, with a complete body. */
export function answerRaw(
  ex: RawExchange,
  ctx: RequestContext,
  status: number,
  reason: string,
  headers: HeaderList,
  body: string | Uint8Array,
  done: () => void,
): void {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  ctx.downstreamStatus = status;
  ctx.downstreamContentSize = ex.head.method === "HEAD" ? 0 : bytes.length;
  ex.writeHead(status, reason, headers, { contentLength: bytes.length });
  ex.end(ex.head.method === "HEAD" ? undefined : bytes);
  done();
}
