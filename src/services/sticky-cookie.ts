// Sticky sessions by cookie, as Traefik v3 does them: the cookie value is the
// first 16 hex digits of SHA-256 of the target's name (a server URL in a load
// balancer, a child service name in `weighted`); with no cookie name given, the
// name is "_" plus 5 hex digits of SHA-1("_TRAEFIK_BACKEND_" + service name).
import { createHash } from "node:crypto";
import type { StickyCookieConfig } from "../config/dynamic/types.ts";

export function stickyValue(targetName: string): string {
  return createHash("sha256").update(targetName).digest("hex").slice(0, 16);
}

export function defaultCookieName(serviceName: string): string {
  return `_${createHash("sha1").update(`_TRAEFIK_BACKEND_${serviceName}`).digest("hex")}`.slice(0, 6);
}

/** RFC 2616 token characters stay, anything else becomes "_" (Traefik's sanitizeName). */
function sanitizeName(name: string): string {
  return name.replace(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g, "_");
}

/** Chooses targets by cookie and writes the cookie; built once per service. */
export class StickyCookie<T> {
  readonly name: string;
  private readonly byValue = new Map<string, T>();
  private readonly valueOf = new Map<T, string>();
  /** Everything after "name=value" in Set-Cookie, fixed at build time. */
  private readonly attributes: string;

  constructor(config: StickyCookieConfig, serviceName: string, targets: Iterable<[string, T]>) {
    this.name = config.name ? sanitizeName(config.name) : defaultCookieName(serviceName);
    for (const [targetName, target] of targets) {
      const value = stickyValue(targetName);
      this.byValue.set(value, target);
      // Older Traefik cookies carried the plain name; accept them and rewrite.
      if (!this.byValue.has(targetName)) this.byValue.set(targetName, target);
      this.valueOf.set(target, value);
    }
    let attrs = `; Path=${config.path ?? "/"}`;
    if (config.domain) attrs += `; Domain=${config.domain}`;
    const maxAge = config.maxAge ?? 0;
    if (maxAge > 0) attrs += `; Max-Age=${Math.floor(maxAge)}`;
    else if (maxAge < 0) attrs += "; Max-Age=0";
    if (config.httpOnly) attrs += "; HttpOnly";
    if (config.secure) attrs += "; Secure";
    const sameSite = sameSiteAttribute(config.sameSite);
    if (sameSite) attrs += `; SameSite=${sameSite}`;
    this.attributes = attrs;
  }

  /** The target the request's cookie names, with whether its value is the current one. */
  lookup(cookieHeader: string | null): { target: T; current: boolean } | undefined {
    const raw = cookieHeader === null ? undefined : readCookie(cookieHeader, this.name);
    if (raw === undefined) return undefined;
    const target = this.byValue.get(raw);
    if (target === undefined) return undefined;
    return { target, current: this.valueOf.get(target) === raw };
  }

  /** The Set-Cookie line pinning a client to `target`. */
  setCookie(target: T): string {
    return `${this.name}=${this.valueOf.get(target) ?? ""}${this.attributes}`;
  }
}

function sameSiteAttribute(v: string | undefined): string | undefined {
  switch (v?.toLowerCase()) {
    case "none":
      return "None";
    case "lax":
      return "Lax";
    case "strict":
      return "Strict";
    default:
      return undefined;
  }
}

/** The value of cookie `name` in a Cookie header (first one wins, quotes removed). */
export function readCookie(header: string, name: string): string | undefined {
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let v = part.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    return v;
  }
  return undefined;
}

/** Adds a Set-Cookie to a response; rebuilds it when its headers are immutable. */
export function withSetCookie(res: Response, line: string): Response {
  try {
    res.headers.append("set-cookie", line);
    return res;
  } catch {
    const headers = new Headers(res.headers);
    headers.append("set-cookie", line);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }
}
