import { withUrl } from "../request-rewrite.ts";

// Shared by the path middlewares (stripPrefix, stripPrefixRegex, replacePath,
// replacePathRegex). They work on the escaped path as it travels on the wire
// (Traefik's RawPath/EscapedPath), keep the query, and record what they did
// in a request header the backend can read.

export const FORWARDED_PREFIX = "X-Forwarded-Prefix";
export const REPLACED_PATH = "X-Replaced-Path";

/** Escaped path and query ("" or "?...") of a request. */
export function pathOf(req: Request): { url: URL; path: string; search: string } {
  const url = new URL(req.url);
  return { url, path: url.pathname, search: url.search };
}

/** `req` sent on with `path` (already escaped) and one more `header` value, as Go's Header.Add. */
export function forwardWithPath(req: Request, url: URL, path: string, header: string, value: string): Request {
  const headers = new Headers(req.headers);
  headers.append(header, value);
  const p = path.startsWith("/") ? path : `/${path}`;
  return withUrl(req, `${url.origin}${p}${url.search}`, headers);
}

// The URL path percent-encode set (WHATWG), without "%" so existing escapes stay.
const PATH_ESCAPE = /[\u0000-\u0020"#<>?`{}\u007f-\u{10ffff}]/gu;

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
