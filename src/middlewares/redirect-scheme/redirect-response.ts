import type { RequestContext } from "../../server/request-context.ts";

// The answer of redirectScheme and redirectRegex. GET and HEAD get 301/302;
// other methods get 307/308 so the client repeats the same method and body.

const STATUS_TEXT: Record<number, string> = { 301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect", 308: "Permanent Redirect" };

export function redirectStatus(method: string, permanent: boolean): number {
  const keepsMethod = method !== "GET" && method !== "HEAD";
  if (permanent) return keepsMethod ? 308 : 301;
  return keepsMethod ? 307 : 302;
}

/** A redirect to `location`; the body is the status text, as Traefik writes it. */
export function redirectResponse(req: Request, ctx: RequestContext, location: string, permanent: boolean): Response {
  const status = redirectStatus(req.method, permanent);
  ctx.downstreamStatus = status;
  const body = req.method === "HEAD" ? null : STATUS_TEXT[status];
  return new Response(body, { status, headers: { location, "content-type": "text/plain; charset=utf-8" } });
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
