import type { Middleware, RawMiddleware } from "../../server/handler.ts";
import type { RawExchange } from "../../server/raw/connection.ts";
import type { RequestContext } from "../../server/request-context.ts";
import { answerRaw } from "../raw-view.ts";
import { withUrl } from "../request-rewrite.ts";
import { asUrlTarget, urlWouldChange } from "./url-target.ts";

// Shared by the path middlewares (addPrefix, stripPrefix, stripPrefixRegex,
// replacePath, replacePathRegex). They work on the escaped path as it travels
// on the wire (Traefik's RawPath/EscapedPath), keep the query, and may record
// what they did in a request header the backend can read. Each kind only
// writes a PathDecision; pathRewriteForms turns it into both the Request form
// and the raw form, so the two cannot drift apart.

export const FORWARDED_PREFIX = "X-Forwarded-Prefix";
export const REPLACED_PATH = "X-Replaced-Path";

/** The new escaped path ("/" is added when missing) and, optionally, a header value to add (Go's Header.Add). */
export interface PathChange {
  path: string;
  header?: string;
  value?: string;
}

/** The request must fail with a 500, as Traefik's does (`error` goes to the access log). */
export interface PathFailure {
  error: string;
}

/** What a path middleware does with an escaped path (no query); null leaves the request alone. */
export type PathDecision = (path: string) => PathChange | PathFailure | null;

/** Both forms of a path middleware from its decision. */
export function pathRewriteForms(decide: PathDecision): { middleware: Middleware; raw: RawMiddleware } {
  return {
    middleware: (next) => (req, ctx, conn) => {
      const { url, path } = pathOf(req);
      const change = decide(path);
      if (change === null) return next(req, ctx, conn);
      if ("error" in change) return failure(ctx, change.error);
      return next(forwardWithPath(req, url, change.path, change.header, change.value), ctx, conn);
    },
    raw: (next) => (ex, ctx, conn, done) => {
      // What the Request form's URL would hold; the same string for nearly every request.
      const sent = ctx.forwardPath ?? ctx.path;
      const target = asUrlTarget(sent);
      const q = target.indexOf("?");
      const change = decide(q < 0 ? target : target.slice(0, q));
      if (change === null) {
        if (target !== sent) ctx.forwardPath = target;
      } else if ("error" in change) {
        return rawFailure(ex, ctx, change.error, done);
      } else {
        // A bare "?" is dropped, as url.search is "" for it.
        const search = q < 0 || q === target.length - 1 ? "" : target.slice(q);
        const path = change.path.charCodeAt(0) === 47 /* / */ ? change.path : `/${change.path}`;
        // `search` is already URL-shaped: scan only the new path (scanning the
        // joined string would flatten it first, which measured as costly).
        ctx.forwardPath = urlWouldChange(path) ? asUrlTarget(path + search) : path + search;
        if (change.header !== undefined) ex.head.headers.push([change.header, change.value ?? ""]);
      }
      next(ex, ctx, conn, done);
    },
  };
}

/** Escaped path and query ("" or "?...") of a request. */
export function pathOf(req: Request): { url: URL; path: string; search: string } {
  const url = new URL(req.url);
  return { url, path: url.pathname, search: url.search };
}

/** `req` sent on with `path` (already escaped) and, when given, one more `header` value, as Go's Header.Add. */
export function forwardWithPath(req: Request, url: URL, path: string, header?: string, value?: string): Request {
  const p = path.startsWith("/") ? path : `/${path}`;
  if (header === undefined) return withUrl(req, `${url.origin}${p}${url.search}`);
  const headers = new Headers(req.headers);
  headers.append(header, value ?? "");
  return withUrl(req, `${url.origin}${p}${url.search}`, headers);
}

const FAILURE_BODY = "Internal Server Error\n";
const FAILURE_TYPE = "text/plain; charset=utf-8";

function failure(ctx: RequestContext, error: string): Response {
  ctx.error = error;
  ctx.downstreamStatus = 500;
  return new Response(FAILURE_BODY, { status: 500, headers: { "content-type": FAILURE_TYPE } });
}

function rawFailure(ex: RawExchange, ctx: RequestContext, error: string, done: () => void): void {
  ctx.error = error;
  answerRaw(ex, ctx, 500, "Internal Server Error", [["content-type", FAILURE_TYPE]], FAILURE_BODY, done);
}

// The URL path percent-encode set (WHATWG, with "^"), plus "\" (a URL would
// read it as "/"; Go escapes it), without "%" so existing escapes stay.
const PATH_ESCAPE = /[\u0000-\u0020"#<>?\\^`{}\u007f-\u{10ffff}]/gu;

/** `p` with the characters a URL path cannot carry as is percent-encoded ("%" kept). */
export function escapePathChars(p: string): string {
  return p.replace(PATH_ESCAPE, (ch) => {
    try {
      return encodeURIComponent(ch);
    } catch {
      return "%EF%BF%BD"; // a lone surrogate: U+FFFD, as a URL parser would
    }
  });
}

/** True when `p` has a "%" not followed by two hex digits (Go's PathUnescape would fail). */
export function hasInvalidEscape(p: string): boolean {
  return /%(?![0-9A-Fa-f]{2})/.test(p);
}
