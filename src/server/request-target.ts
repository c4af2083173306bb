// Splitting Bun's absolute request URL into what routing needs, without
// building a URL object per request.

export interface RequestTarget {
  /** Path and query as forwarded, e.g. "/a/b?x=1" (path cleaned of dot segments). */
  pathAndQuery: string;
  path: string;
  query: string;
}

export function splitRequestUrl(url: string): RequestTarget {
  // Bun gives "http://host/path?q" for origin-form requests, and the bare
  // target for HTTP/1.0 requests without Host ("/path?q").
  let start = 0;
  if (url.charCodeAt(0) !== 47 /* / */) {
    const scheme = url.indexOf("://");
    const from = scheme < 0 ? 0 : scheme + 3;
    const slash = url.indexOf("/", from);
    const mark = url.indexOf("?", from);
    start = slash < 0 ? (mark < 0 ? url.length : mark) : mark >= 0 && mark < slash ? mark : slash;
  }
  const q = url.indexOf("?", start);
  let path = q < 0 ? url.slice(start) : url.slice(start, q);
  const query = q < 0 ? "" : url.slice(q + 1);
  if (path === "") path = "/";
  if (needsCleaning(path)) path = cleanPath(path);
  return { path, query, pathAndQuery: q < 0 ? path : `${path}?${query}` };
}

function needsCleaning(path: string): boolean {
  return path.includes("/.") || path.includes("//");
}

/**
 * Removes "." and ".." segments and repeated slashes, as Traefik v3's
 * sanitizePath and nginx do, so `/api/../admin` cannot slip past a
 * PathPrefix(`/api`) router. A trailing slash is kept.
 */
export function cleanPath(path: string): string {
  const out: string[] = [];
  const parts = path.split("/");
  for (const seg of parts) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  const last = parts[parts.length - 1];
  const trailing = last === "" || last === "." || last === "..";
  const cleaned = "/" + out.join("/");
  return trailing && cleaned !== "/" ? cleaned + "/" : cleaned;
}

/** Lower-cased host without port or trailing dot, for matching. */
export function matchHost(hostHeader: string): string {
  let h = hostHeader;
  if (h.charCodeAt(0) === 91 /* [ */) {
    const close = h.indexOf("]");
    h = close < 0 ? h : h.slice(1, close);
    return h.toLowerCase();
  }
  // One pass of charCodeAt (no native call) finds the port and any capital
  // letter (or a non-ASCII one): the usual host needs one slice at most.
  let end = h.length;
  let upper = false;
  for (let i = 0; i < end; i++) {
    const c = h.charCodeAt(i);
    if (c === 58 /* : */) end = i;
    else if ((c >= 65 && c <= 90) || c > 127) upper = true;
  }
  if (end > 0 && h.charCodeAt(end - 1) === 46 /* . */) end--;
  if (end < h.length) h = h.slice(0, end);
  return upper ? h.toLowerCase() : h;
}

const RAW_BYTE = /[\x80-\xff]/;
const RAW_BYTES = /[\x80-\xff]/g;

/**
 * The raw front reads a request target as latin1, one char per byte; a URL
 * would UTF-8-encode chars 0x80-0xFF a second time. Escapes each such byte
 * as %XX, as Bun.serve and Go do with raw bytes in a target.
 */
export function escapeRawBytes(target: string): string {
  return RAW_BYTE.test(target) ? target.replace(RAW_BYTES, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : target;
}
