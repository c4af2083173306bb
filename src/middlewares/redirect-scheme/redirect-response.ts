import type { RawExchange } from "../../server/raw/connection.ts";
import type { RequestContext } from "../../server/request-context.ts";
import { answerRaw } from "../raw-view.ts";

// The answer of redirectScheme and redirectRegex, in both forms. GET and HEAD
// get 301/302; other methods get 307/308 so the client repeats the same
// method and body. The body is the status text, as Traefik writes it.

const STATUS_TEXT: Record<number, string> = { 301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect", 308: "Permanent Redirect" };
/** The bodies, encoded once: the raw form writes them on every plain-HTTP request of an https-only router. */
const STATUS_BYTES: Record<number, Uint8Array> = Object.fromEntries(Object.entries(STATUS_TEXT).map(([k, v]) => [k, Buffer.from(v)]));
const CONTENT_TYPE = "text/plain; charset=utf-8";

export function redirectStatus(method: string, permanent: boolean): number {
  const keepsMethod = method !== "GET" && method !== "HEAD";
  if (permanent) return keepsMethod ? 308 : 301;
  return keepsMethod ? 307 : 302;
}

/** A redirect to `location` (Request form). */
export function redirectResponse(req: Request, ctx: RequestContext, location: string, permanent: boolean): Response {
  const status = redirectStatus(req.method, permanent);
  ctx.downstreamStatus = status;
  const body = req.method === "HEAD" ? null : STATUS_TEXT[status];
  return new Response(body, { status, headers: { location, "content-type": CONTENT_TYPE } });
}

/** The same redirect written straight to a raw exchange; calls `done`. */
export function rawRedirect(ex: RawExchange, ctx: RequestContext, location: string, permanent: boolean, done: () => void): void {
  const status = redirectStatus(ex.head.method, permanent);
  answerRaw(ex, ctx, status, STATUS_TEXT[status], [["content-type", CONTENT_TYPE], ["location", location]], STATUS_BYTES[status], done);
}

/** The request path and query exactly as in its URL (escaped). */
export function pathAndQueryOf(url: string): string {
  const scheme = url.indexOf("://");
  if (scheme < 0) return url;
  const slash = url.indexOf("/", scheme + 3);
  return slash < 0 ? "/" : url.slice(slash);
}

/** Spaces and non-ASCII percent-encoded (as Go's url.String does), so the value is a valid header. */
export function escapeLocation(location: string): string {
  return location.replace(/[\u0020\u007f-\u{10ffff}]/gu, (ch) => {
    try {
      return encodeURIComponent(ch);
    } catch {
      return "%EF%BF%BD";
    }
  });
}
