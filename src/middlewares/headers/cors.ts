import type { HeadersOptions } from "./options.ts";

// CORS as Traefik's headers middleware does it: a preflight (OPTIONS with
// Origin and Access-Control-Request-Method) is answered 200 right here, never
// reaching the backend; other responses get Access-Control-Allow-Origin when
// the Origin is allowed, plus the credentials / expose / Vary headers.
// Everything that does not depend on the request is joined at build time.

export interface CorsPlan {
  /** The preflight answer, or null when `req` is not a preflight. */
  preflight(req: Request): Response | null;
  /** True when responses need the request's Origin. */
  readonly needsOrigin: boolean;
  /** Adds the CORS response headers for a request that carried `origin`. */
  applyResponse(headers: Headers, origin: string | null): void;
}

/** Traefik's HasCorsHeadersDefined: any CORS option turns preflight handling on. */
export function hasCors(o: HeadersOptions): boolean {
  return (
    o.accessControlAllowCredentials ||
    o.accessControlAllowHeaders.length > 0 ||
    o.accessControlAllowMethods.length > 0 ||
    o.accessControlAllowOriginList.length > 0 ||
    o.accessControlAllowOriginListRegex.length > 0 ||
    o.accessControlExposeHeaders.length > 0 ||
    o.accessControlMaxAge !== 0 ||
    o.addVaryHeader
  );
}

export function compileCors(o: HeadersOptions): CorsPlan | null {
  if (!hasCors(o)) return null;
  const allowed = originMatcher(o.accessControlAllowOriginList, o.accessControlAllowOriginListRegex);

  const preflightStatic: [string, string][] = [];
  if (o.accessControlAllowCredentials) preflightStatic.push(["access-control-allow-credentials", "true"]);
  const allowHeaders = o.accessControlAllowHeaders.join(",");
  if (allowHeaders) preflightStatic.push(["access-control-allow-headers", allowHeaders]);
  const allowMethods = o.accessControlAllowMethods.join(",");
  if (allowMethods) preflightStatic.push(["access-control-allow-methods", allowMethods]);
  // Traefik always sends Max-Age on a preflight, "0" included.
  const maxAge = String(o.accessControlMaxAge);

  const responseStatic: [string, string][] = [];
  if (o.accessControlAllowCredentials) responseStatic.push(["access-control-allow-credentials", "true"]);
  if (o.accessControlExposeHeaders.length) responseStatic.push(["access-control-expose-headers", o.accessControlExposeHeaders.join(",")]);
  const addVary = o.addVaryHeader;
  const needsOrigin = allowed !== null;

  return {
    needsOrigin,
    preflight(req) {
      if (req.method !== "OPTIONS") return null;
      const origin = req.headers.get("origin");
      if (!origin || !req.headers.get("access-control-request-method")) return null;
      const headers = new Headers(preflightStatic);
      const match = allowed?.(origin);
      if (match) headers.set("access-control-allow-origin", match);
      headers.set("access-control-max-age", maxAge);
      return new Response(null, { status: 200, headers });
    },
    applyResponse(headers, origin) {
      if (allowed) {
        const match = allowed(origin ?? "");
        if (match) headers.set("access-control-allow-origin", match);
      }
      for (let i = 0; i < responseStatic.length; i++) headers.set(responseStatic[i][0], responseStatic[i][1]);
      if (addVary) addVaryOrigin(headers);
    },
  };
}

/**
 * The value for Access-Control-Allow-Origin, or null. Like Traefik: the list
 * is tried in order ("*" answers "*", an exact entry answers itself), then the
 * regexes (answering the request's Origin).
 */
function originMatcher(list: string[], regexes: RegExp[]): ((origin: string) => string | null) | null {
  if (list.length === 0 && regexes.length === 0) return null;
  const wildcardAt = list.indexOf("*");
  const exact = new Map<string, number>();
  list.forEach((item, i) => {
    if (item !== "*" && !exact.has(item)) exact.set(item, i);
  });
  return (origin) => {
    const at = exact.get(origin);
    if (at !== undefined && (wildcardAt < 0 || at < wildcardAt)) return origin;
    if (wildcardAt >= 0) return "*";
    if (origin === "") return null;
    for (let i = 0; i < regexes.length; i++) if (regexes[i].test(origin)) return origin;
    return null;
  };
}

/**
 * Appends Origin to Vary. Traefik skips only a Vary that is exactly "Origin";
 * Sluice also skips one that already lists it (no "Origin,Origin").
 */
function addVaryOrigin(headers: Headers): void {
  const vary = headers.get("vary");
  if (!vary) {
    headers.set("vary", "Origin");
    return;
  }
  if (vary.split(",").some((t) => t.trim().toLowerCase() === "origin" || t.trim() === "*")) return;
  headers.set("vary", `${vary},Origin`);
}
