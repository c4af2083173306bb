import type { Handler } from "../../server/handler.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { compileCors } from "./cors.ts";
import { readHeadersOptions } from "./options.ts";
import { compileSecure } from "./secure.ts";

// headers: custom request/response headers, CORS and security headers, in
// Traefik's order. On the way in: a CORS preflight is answered here, then the
// custom request headers are set, then the secure checks run (allowed hosts,
// https detection) and see those custom headers. On the way out: security
// headers first, then custom response headers (which can override or remove
// them), then CORS headers. Request and response headers are edited in place:
// no new Request or Response per request.

type Edit = readonly [name: string, value: string | null];

registerMiddleware("headers", (options) => {
  const o = new OptionReader(options);
  const opts = readHeadersOptions(o);
  o.finish();
  if (o.hasErrors()) return { errors: o.problems };

  const toEdits = (map: Record<string, string>): Edit[] =>
    Object.entries(map).map(([name, value]) => [name.toLowerCase(), value === "" ? null : value] as const);
  const requestEdits = toEdits(opts.customRequestHeaders);
  const responseEdits = toEdits(opts.customResponseHeaders);
  const cors = compileCors(opts);
  const secure = compileSecure(opts);
  if (!cors && !secure && requestEdits.length === 0 && responseEdits.length === 0 && !opts.isDevelopment) {
    // Traefik refuses an empty headers middleware; Sluice passes requests through.
    o.warn("", "sets no header and checks nothing: requests pass through unchanged");
  }

  const corsOrigin = cors !== null && cors.needsOrigin;
  const touchesResponse = responseEdits.length > 0 || cors !== null || (secure?.hasResponseHeaders ?? false);

  const applyResponse = (headers: Headers, ssl: boolean, origin: string | null) => {
    secure?.applyResponse(headers, ssl);
    applyEdits(headers, responseEdits);
    cors?.applyResponse(headers, origin);
  };
  const finish = (res: Response, ssl: boolean, origin: string | null): Response => {
    if (!res) return res; // upgraded to a WebSocket on the serve front: no response object
    try {
      applyResponse(res.headers, ssl, origin);
      return res;
    } catch {
      // Headers guarded as immutable: answer with a copy instead.
      const copy = new Response(res.body, { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) });
      applyResponse(copy.headers, ssl, origin);
      return copy;
    }
  };

  return {
    warnings: o.problems,
    middleware: (next): Handler => (req, ctx, conn) => {
      if (cors !== null) {
        const preflight = cors.preflight(req);
        if (preflight) return preflight;
      }
      if (requestEdits.length > 0) applyEdits(req.headers, requestEdits);
      let ssl = false;
      if (secure !== null) {
        const verdict = secure.check(req, ctx, conn);
        if (verdict instanceof Response) return verdict;
        ssl = verdict;
      }
      if (!touchesResponse) return next(req, ctx, conn);
      const origin = corsOrigin ? req.headers.get("origin") : null;
      const out = next(req, ctx, conn);
      return out instanceof Promise ? out.then((res) => finish(res, ssl, origin)) : finish(out, ssl, origin);
    },
  };
});

function applyEdits(headers: Headers, edits: readonly Edit[]): void {
  for (let i = 0; i < edits.length; i++) {
    const [name, value] = edits[i];
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
}
