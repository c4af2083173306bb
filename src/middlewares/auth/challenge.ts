import { withUrl } from "../request-rewrite.ts";

// Pieces shared by basicAuth and digestAuth.

export const DEFAULT_REALM = "traefik";

/**
 * A 401 with the given challenge and go-http-auth's plain body. ctx.error is
 * left alone on purpose: retry reads it as a network failure.
 */
export function unauthorized(challenge: string): Response {
  return new Response("401 Unauthorized\n", {
    status: 401,
    headers: { "www-authenticate": challenge, "content-type": "text/plain" },
  });
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
