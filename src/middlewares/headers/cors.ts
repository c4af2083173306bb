import { fixed, setAll, type FixedHeader, type HeaderOps } from "./header-ops.ts";
import type { HeadersOptions } from "./options.ts";

// CORS as Traefik's headers middleware does it: a preflight (OPTIONS with
// Origin and Access-Control-Request-Method) is answered 200 right here, never
// reaching the backend; other responses get Access-Control-Allow-Origin when
// the Origin is allowed, plus the credentials / expose / Vary headers.
// Everything that does not depend on the request is joined at build time.

export interface CorsPlan {
  /**
   * The preflight answer's headers (status 200, empty body), or null when the
   * request is not a preflight. A new list per preflight only.
   */
  preflight<H>(method: string, h: H, ops: HeaderOps<H>): [string, string][] | null;
  /** True when responses need the request's Origin. */
  readonly needsOrigin: boolean;
  /** Adds the CORS response headers for a request that carried `origin`. */
  applyResponse<H>(h: H, ops: HeaderOps<H>, origin: string | null): void;
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
  if (o.accessControlAllowCredentials) preflightStatic.push(["Access-Control-Allow-Credentials", "true"]);
  const allowHeaders = o.accessControlAllowHeaders.join(",");
  if (allowHeaders) preflightStatic.push(["Access-Control-Allow-Headers", allowHeaders]);
  const allowMethods = o.accessControlAllowMethods.join(",");
  if (allowMethods) preflightStatic.push(["Access-Control-Allow-Methods", allowMethods]);
  // Traefik always sends Max-Age on a preflight, "0" included.
  const maxAge = String(o.accessControlMaxAge);

  const responseStatic: FixedHeader[] = [];
  if (o.accessControlAllowCredentials) responseStatic.push(fixed("Access-Control-Allow-Credentials", "true"));
  if (o.accessControlExposeHeaders.length) responseStatic.push(fixed("Access-Control-Expose-Headers", o.accessControlExposeHeaders.join(",")));
  const addVary = o.addVaryHeader;
  const needsOrigin = allowed !== null;

  return {
    needsOrigin,
    preflight(method, h, ops) {
      if (method !== "OPTIONS") return null;
      const origin = ops.get(h, "origin");
      if (!origin || !ops.get(h, "access-control-request-method")) return null;
      // Fresh pairs: a later step may edit the answer's list in place.
      const headers = preflightStatic.map(([k, v]): [string, string] => [k, v]);
      const match = allowed?.(origin);
      if (match) headers.push(["Access-Control-Allow-Origin", match]);
      headers.push(["Access-Control-Max-Age", maxAge]);
      return headers;
    },
    applyResponse(h, ops, origin) {
      if (allowed) {
        const match = allowed(origin ?? "");
        if (match) ops.set(h, "access-control-allow-origin", "Access-Control-Allow-Origin", match);
      }
      setAll(h, ops, responseStatic);
      if (addVary) addVaryOrigin(h, ops);
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
function addVaryOrigin<H>(h: H, ops: HeaderOps<H>): void {
  const vary = ops.get(h, "vary");
  if (!vary) {
    ops.set(h, "vary", "Vary", "Origin");
    return;
  }
  if (vary.split(",").some((t) => t.trim().toLowerCase() === "origin" || t.trim() === "*")) return;
  ops.set(h, "vary", "Vary", `${vary},Origin`);
}
