import type { HeaderList } from "../server/raw/http1-head.ts";
import type { RawExchange } from "../server/raw/connection.ts";
import type { RequestContext } from "../server/request-context.ts";

// What a middleware's raw form (RawMiddleware) works with: the request head
// as a header list (names as sent, matched case-insensitively), the path to
// forward in ctx.forwardPath, answers written straight to the exchange, and
// response headers through RawExchange.onResponseHead.

/** The path and query ("" or "?...") that would be forwarded now. */
export function forwardTarget(ctx: RequestContext): { path: string; search: string } {
  const t = ctx.forwardPath ?? ctx.path;
  const q = t.indexOf("?");
  return q < 0 ? { path: t, search: "" } : { path: t.slice(0, q), search: t.slice(q) };
}

/** Forward `path` (already escaped) + `search` instead; a missing leading "/" is added. */
export function setForwardTarget(ctx: RequestContext, path: string, search: string): void {
  ctx.forwardPath = `${path.startsWith("/") ? path : `/${path}`}${search}`;
}

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

/** Answers with a Response built by the Request form (small, buffered bodies: 401, 429, redirects). */
export function answerRawWith(ex: RawExchange, ctx: RequestContext, res: Response, done: () => void): void {
  const headers: HeaderList = [];
  for (const [k, v] of res.headers) if (k !== "set-cookie" && k !== "content-length") headers.push([k, v]);
  for (const c of res.headers.getSetCookie()) headers.push(["set-cookie", c]);
  void res.arrayBuffer().then(
    (buf) => answerRaw(ex, ctx, res.status, res.statusText || "", headers, new Uint8Array(buf), done),
    () => answerRaw(ex, ctx, 500, "Internal Server Error", [], "", done),
  );
}
