import type { RawExchange } from "../../server/raw/connection.ts";
import type { HeaderList } from "../../server/raw/http1-head.ts";
import type { RequestContext } from "../../server/request-context.ts";
import { answerRaw, deleteHeader, setHeader } from "../raw-view.ts";
import { withUrl } from "../request-rewrite.ts";

// Pieces shared by basicAuth and digestAuth, each in a Request form and a raw
// form built from the same description so both answer and forward alike.

export const DEFAULT_REALM = "traefik";

const BODY = "401 Unauthorized\n";
const CONTENT_TYPE = "text/plain";

/**
 * A 401 with the given challenge and go-http-auth's plain body. ctx.error is
 * left alone on purpose: retry reads it as a network failure.
 */
export function unauthorized(challenge: string): Response {
  return new Response(BODY, { status: 401, headers: { "www-authenticate": challenge, "content-type": CONTENT_TYPE } });
}

/** unauthorized() written on a raw exchange, then `done`. */
export function unauthorizedRaw(ex: RawExchange, ctx: RequestContext, challenge: string, done: () => void): void {
  const headers: HeaderList = [
    ["www-authenticate", challenge],
    ["content-type", CONTENT_TYPE],
  ];
  answerRaw(ex, ctx, 401, "Unauthorized", headers, BODY, done);
}

/** A realm as a quoted-string (quotes and backslashes escaped; Traefik writes it raw). */
export function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** `req` with `headerField` set to the user and/or Authorization removed; `req` itself when neither applies. */
export function afterLogin(req: Request, user: string, headerField: string | undefined, removeHeader: boolean): Request {
  if (!headerField && !removeHeader) return req;
  const headers = new Headers(req.headers);
  if (headerField) headers.set(headerField, user);
  if (removeHeader) headers.delete("authorization");
  return withUrl(req, req.url, headers);
}

/** afterLogin() on the raw request head's field list (changed in place: that is what is forwarded). */
export function afterLoginRaw(headers: HeaderList, user: string, headerField: string | undefined, removeHeader: boolean): void {
  if (headerField) setHeader(headers, headerField, user);
  if (removeHeader) deleteHeader(headers, "authorization");
}
