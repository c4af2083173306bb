import type { ConnInfo, Handler, RawMiddleware } from "../../server/handler.ts";
import type { HeaderList } from "../../server/raw/http1-head.ts";
import type { RequestContext } from "../../server/request-context.ts";
import { OptionReader } from "../options.ts";
import { answerRaw } from "../raw-view.ts";
import { registerMiddleware } from "../registry.ts";
import { compileCors } from "./cors.ts";
import { writerOwns } from "../../server/raw/response-writer.ts";
import type { ResponseHeadHook } from "../../server/raw/connection.ts";
import { appendsOf, applyEdits, HEADERS_OPS, LIST_OPS, toEdits, type HeaderOps } from "./header-ops.ts";
import { readHeadersOptions } from "./options.ts";
import { compileSecure, pathAndQuery, refusalAnswer, type SecureAnswer, type SecureRefusal } from "./secure.ts";

// headers: custom request/response headers, CORS and security headers, in
// Traefik's order. On the way in: a CORS preflight is answered here, then the
// custom request headers are set, then the secure checks run (allowed hosts,
// https detection) and see those custom headers. On the way out: security
// headers first, then custom response headers (which can override or remove
// them), then CORS headers. Headers are edited in place: no new Request or
// Response per request. Both forms run the same plan over HeaderOps; the raw
// form edits the request's HeaderList and the response head through
// ex.onResponseHead, with no allocation unless CORS needs the Origin.

registerMiddleware("headers", (options) => {
  const o = new OptionReader(options);
  const opts = readHeadersOptions(o);
  o.finish();
  if (o.hasErrors()) return { errors: o.problems };

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

  const applyResponse = <H>(h: H, ops: HeaderOps<H>, ssl: boolean, origin: string | null) => {
    secure?.applyResponse(h, ops, ssl);
    applyEdits(h, ops, responseEdits);
    cors?.applyResponse(h, ops, origin);
  };

  /** The way in, shared: an answer of its own, or whether the request counts as https. */
  const inbound = <H>(method: string, h: H, ops: HeaderOps<H>, ctx: RequestContext, conn: ConnInfo): Verdict => {
    if (cors !== null) {
      const headers = cors.preflight(method, h, ops);
      if (headers) return { status: 200, headers };
    }
    if (requestEdits.length > 0) applyEdits(h, ops, requestEdits);
    return secure === null ? false : secure.check(h, ops, ctx, conn);
  };

  const finish = (res: Response, ssl: boolean, origin: string | null): Response => {
    if (!res) return res; // upgraded to a WebSocket on the serve front: no response object
    try {
      applyResponse(res.headers, HEADERS_OPS, ssl, origin);
      return res;
    } catch {
      // Headers guarded as immutable: answer with a copy instead.
      const copy = new Response(res.body, { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) });
      applyResponse(copy.headers, HEADERS_OPS, ssl, origin);
      return copy;
    }
  };

  const middleware = (next: Handler): Handler => (req, ctx, conn) => {
    const verdict = inbound(req.method, req.headers, HEADERS_OPS, ctx, conn);
    if (typeof verdict !== "boolean") return toResponse(answerOf(verdict, pathAndQuery(req.url)));
    if (!touchesResponse) return next(req, ctx, conn);
    const origin = corsOrigin ? req.headers.get("origin") : null;
    const out = next(req, ctx, conn);
    return out instanceof Promise ? out.then((res) => finish(res, verdict, origin)) : finish(out, verdict, origin);
  };

  // Response hooks that need no request value are built once, with what they
  // add to a head that has none of their fields (the backend's lines then go out as they came).
  const hookPlain: ResponseHeadHook = (_status: number, h: HeaderList) => applyResponse(h, LIST_OPS, false, null);
  const hookSsl: ResponseHeadHook = (_status: number, h: HeaderList) => applyResponse(h, LIST_OPS, true, null);
  hookPlain.appends = appendsOf((h, ops) => applyResponse(h, ops, false, null), writerOwns);
  hookSsl.appends = appendsOf((h, ops) => applyResponse(h, ops, true, null), writerOwns);
  const raw: RawMiddleware = (next) => (ex, ctx, conn, done) => {
    const h = ex.head.headers;
    const verdict = inbound(ex.head.method, h, LIST_OPS, ctx, conn);
    if (typeof verdict !== "boolean") {
      const a = answerOf(verdict, ctx.forwardPath ?? ctx.path);
      return answerRaw(ex, ctx, a.status, a.reason, a.headers, a.body, done);
    }
    if (touchesResponse) {
      const origin = corsOrigin ? LIST_OPS.get(h, "origin") : null;
      if (origin === null) ex.onResponseHead(verdict ? hookSsl : hookPlain);
      else ex.onResponseHead((_status, list) => applyResponse(list, LIST_OPS, verdict, origin));
    }
    next(ex, ctx, conn, done);
  };

  return { warnings: o.problems, middleware, raw };
});

/** A CORS preflight, answered 200 with an empty body. */
interface Preflight {
  status: 200;
  headers: [string, string][];
}

/** What the way in decided: answer (preflight, bad host, redirect) or go on, over https or not. */
type Verdict = boolean | SecureRefusal | Preflight;

/** `pathAndQuery` is the request's as it would be forwarded now (for a redirect's Location). */
function answerOf(v: SecureRefusal | Preflight, pathAndQuery: string): SecureAnswer {
  return "headers" in v ? { status: 200, reason: "OK", headers: v.headers, body: "" } : refusalAnswer(v, pathAndQuery);
}

function toResponse(a: SecureAnswer): Response {
  return new Response(a.body === "" ? null : a.body, { status: a.status, headers: a.headers });
}
