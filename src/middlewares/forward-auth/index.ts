import { answer } from "../../server/answers.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { AUTH_TIMEOUT_MS, authRequestHeaders, callAuthServer, HOP_HEADERS, type AuthAnswer } from "./auth-request.ts";
import { readForwardAuthOptions, type ForwardAuthConfig } from "./options.ts";

// forwardAuth: asks an external server about each request. A 2xx lets the
// request through (with chosen auth response headers copied onto it); any
// other answer goes back to the client as is. Unreachable server: 500.

registerMiddleware("forwardAuth", (options) => {
  const o = new OptionReader(options);
  const cfg = readForwardAuthOptions(o);
  o.finish();
  if (!cfg || o.hasErrors()) return { errors: o.problems };
  return {
    warnings: o.problems,
    middleware: (next) => async (req, ctx, conn) => {
      let body: Uint8Array | null = null;
      if (cfg.forwardBody && req.body) {
        const read = await readLimited(req.body, cfg.maxBodySize);
        // Documented by Traefik: a body over maxBodySize is refused with 401.
        if (read === "too-large") return new Response(null, { status: 401 });
        if (read.length > 0) body = read;
      }
      const method = cfg.preserveRequestMethod ? req.method : "GET";
      const signal = AbortSignal.any([req.signal, AbortSignal.timeout(AUTH_TIMEOUT_MS)]);
      let auth: AuthAnswer;
      try {
        auth = await callAuthServer(cfg, method, authRequestHeaders(req, conn, cfg), body, signal);
      } catch (err) {
        if (req.signal.aborted) return answer(ctx, 499, "Client Closed Request", "client closed request");
        return answer(ctx, 500, "Internal Server Error", `forwardAuth: calling ${cfg.address.href}: ${(err as Error)?.message ?? err}`);
      }
      if (cfg.headerField) {
        const user = auth.headers.get(cfg.headerField);
        if (user) ctx.clientUsername = user;
      }
      if (auth.status < 200 || auth.status >= 300) return denial(auth, cfg, ctx);

      const rewrites = cfg.forwardBody || cfg.authResponseHeaders.length > 0 || cfg.authResponseHeadersRegex;
      if (!rewrites) return withAuthCookies(await next(req, ctx, conn), auth.headers.getSetCookie(), cfg.addAuthCookiesToResponse);
      const headers = copyAuthHeaders(new Headers(req.headers), auth.headers, cfg);
      // The body was read for the auth server: the backend gets the buffered copy.
      const forwarded = new Request(req.url, {
        method: req.method,
        headers,
        body: cfg.forwardBody ? body : req.body,
        redirect: "manual",
        duplex: "half",
      } as RequestInit);
      const res = await next(forwarded, ctx, conn);
      return withAuthCookies(res, auth.headers.getSetCookie(), cfg.addAuthCookiesToResponse);
    },
  };
});

/** The auth server's refusal, returned to the client: status, headers (minus hop-by-hop), body. */
function denial(auth: AuthAnswer, cfg: ForwardAuthConfig, ctx: Parameters<typeof answer>[0]): Response {
  const headers = new Headers(auth.headers);
  for (const h of [...HOP_HEADERS, "content-length"]) headers.delete(h);
  const location = auth.headers.get("location");
  if (location && !cfg.preserveLocationHeader) {
    // As Go's Response.Location(): relative to the auth server's URL.
    try {
      headers.set("location", new URL(location, cfg.address).href);
    } catch {
      return answer(ctx, 500, "Internal Server Error", `forwardAuth: invalid Location ${JSON.stringify(location)}`);
    }
  }
  const nullBody = auth.status === 204 || auth.status === 304 || auth.body.length === 0;
  return new Response(nullBody ? null : auth.body, { status: auth.status, headers });
}

/** authResponseHeaders (by name) and authResponseHeadersRegex (on canonical names) replace the request's. */
export function copyAuthHeaders(request: Headers, from: Headers, cfg: ForwardAuthConfig): Headers {
  for (const name of cfg.authResponseHeaders) {
    request.delete(name);
    const v = from.get(name);
    if (v !== null) request.set(name, v);
  }
  const re = cfg.authResponseHeadersRegex;
  if (re) {
    for (const name of [...request.keys()]) if (re.test(canonicalHeaderKey(name))) request.delete(name);
    for (const name of new Set(from.keys())) if (re.test(canonicalHeaderKey(name))) request.set(name, from.get(name)!);
  }
  return request;
}

/** Go's CanonicalHeaderKey: the form Traefik's regex sees ("x-auth-user" → "X-Auth-User"). */
export function canonicalHeaderKey(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

/** addAuthCookiesToResponse: the named auth cookies replace the backend's cookies of the same name. */
function withAuthCookies(res: Response, authCookies: string[], names: Set<string>): Response {
  const chosen = authCookies.filter((c) => names.has(cookieName(c)));
  if (chosen.length === 0) return res;
  const headers = new Headers(res.headers);
  headers.delete("set-cookie");
  for (const c of res.headers.getSetCookie()) if (!names.has(cookieName(c))) headers.append("set-cookie", c);
  for (const c of chosen) headers.append("set-cookie", c);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

function cookieName(setCookie: string): string {
  const eq = setCookie.indexOf("=");
  return (eq < 0 ? setCookie : setCookie.slice(0, eq)).trim();
}

/** The whole body, or "too-large" past `max` bytes (-1: no limit). */
async function readLimited(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | "too-large"> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (max >= 0 && size > max) {
      await reader.cancel().catch(() => {});
      return "too-large";
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
