import type { ConnInfo } from "../../server/handler.ts";
import type { RequestContext } from "../../server/request-context.ts";
import { headerView, type HeaderView } from "./forwarded-view.ts";
import { fixed, setAll, type FixedHeader, type HeaderOps } from "./header-ops.ts";
import type { HeadersOptions } from "./options.ts";

// The security half of `headers` (Traefik delegates it to unrolled/secure):
// an allowed-hosts check, https detection (TLS or sslProxyHeaders), the v2
// https redirect, and fixed response headers. Header values are built once;
// per request only the host and https checks run, and only when configured.
// Written over HeaderOps, so the Request and raw forms share every decision.

/** The middleware answers itself: a bad host (400) or the v2 https redirect to `host`. */
export type SecureRefusal = { readonly status: 400 } | { readonly status: 301 | 307; readonly host: string };

export interface SecurePlan {
  /** A refusal, or whether the request counts as https. Sets ctx.error on a bad host. */
  check<H>(h: H, ops: HeaderOps<H>, ctx: RequestContext, conn: ConnInfo): SecureRefusal | boolean;
  readonly hasResponseHeaders: boolean;
  applyResponse<H>(h: H, ops: HeaderOps<H>, ssl: boolean): void;
}

export interface SecureAnswer {
  status: number;
  reason: string;
  headers: [string, string][];
  body: string;
}

const BAD_HOST: SecureRefusal = { status: 400 };

/** The answer for a refusal; `pathAndQuery` is the request's, for the redirect's Location. */
export function refusalAnswer(r: SecureRefusal, pathAndQuery: string): SecureAnswer {
  if (r.status === 400) {
    const headers: [string, string][] = [["Content-Type", "text/plain; charset=utf-8"], ["X-Content-Type-Options", "nosniff"]];
    return { status: 400, reason: "Bad Request", headers, body: "Bad Host\n" };
  }
  const reason = r.status === 307 ? "Temporary Redirect" : "Moved Permanently";
  return { status: r.status, reason, headers: [["Location", `https://${r.host}${pathAndQuery}`]], body: "" };
}

export function compileSecure(o: HeadersOptions): SecurePlan | null {
  const dev = o.isDevelopment;
  const setByConfig = (name: string) => Object.keys(o.customRequestHeaders).some((k) => k.toLowerCase() === name.toLowerCase());
  const hostViews: HeaderView[] = o.hostsProxyHeaders.map((h) => headerView(h, setByConfig(h)));
  const sslViews: [HeaderView, string][] = Object.entries(o.sslProxyHeaders).map(([h, v]) => [headerView(h, setByConfig(h)), v]);
  // Host names compare case-insensitively (EqualFold), port included when sent.
  const allowedHosts = o.allowedHosts.length > 0 && !dev ? new Set(o.allowedHosts.map((h) => h.toLowerCase())) : null;
  const sslRedirect = o.sslRedirect && !dev;
  const forceHost = o.sslForceHost;
  const redirectStatus = o.sslTemporaryRedirect ? 307 : 301;

  const always: FixedHeader[] = [];
  const sslOnly: FixedHeader[] = [];
  if (o.stsSeconds > 0 && !dev) {
    const sts = `max-age=${o.stsSeconds}${o.stsIncludeSubdomains ? "; includeSubDomains" : ""}${o.stsPreload ? "; preload" : ""}`;
    (o.forceSTSHeader ? always : sslOnly).push(fixed("Strict-Transport-Security", sts));
  }
  const frame = o.customFrameOptionsValue || (o.frameDeny ? "DENY" : "");
  if (frame) always.push(fixed("X-Frame-Options", frame));
  if (o.contentTypeNosniff) always.push(fixed("X-Content-Type-Options", "nosniff"));
  const xss = o.customBrowserXSSValue || (o.browserXssFilter ? "1; mode=block" : "");
  if (xss) always.push(fixed("X-XSS-Protection", xss));
  if (o.publicKey && !dev) sslOnly.push(fixed("Public-Key-Pins", o.publicKey));
  if (o.contentSecurityPolicy) always.push(fixed("Content-Security-Policy", o.contentSecurityPolicy));
  if (o.contentSecurityPolicyReportOnly) always.push(fixed("Content-Security-Policy-Report-Only", o.contentSecurityPolicyReportOnly));
  if (o.referrerPolicy) always.push(fixed("Referrer-Policy", o.referrerPolicy));
  if (o.featurePolicy) always.push(fixed("Feature-Policy", o.featurePolicy));
  if (o.permissionsPolicy) always.push(fixed("Permissions-Policy", o.permissionsPolicy));
  // An http:// Location to sslHost is turned into https:// on https requests.
  const locationHost = o.sslHost;

  const needHost = allowedHosts !== null || sslRedirect || forceHost;
  const needSsl = sslOnly.length > 0 || sslRedirect || locationHost !== "";
  if (!needHost && !needSsl && always.length === 0) return null;

  const hostOf = <H>(h: H, ops: HeaderOps<H>, ctx: RequestContext, conn: ConnInfo): string => {
    for (let i = 0; i < hostViews.length; i++) {
      const v = hostViews[i](h, ops, ctx, conn);
      if (v) return v;
    }
    return ops.get(h, "host") ?? ctx.host;
  };
  const isSsl = <H>(h: H, ops: HeaderOps<H>, ctx: RequestContext, conn: ConnInfo): boolean => {
    if (conn.scheme === "https") return true;
    for (let i = 0; i < sslViews.length; i++) if (sslViews[i][0](h, ops, ctx, conn) === sslViews[i][1]) return true;
    return false;
  };
  const redirect = (host: string): SecureRefusal => ({ status: redirectStatus, host });

  return {
    hasResponseHeaders: always.length > 0 || sslOnly.length > 0 || locationHost !== "",
    check(h, ops, ctx, conn) {
      const host = needHost ? hostOf(h, ops, ctx, conn) : "";
      if (allowedHosts !== null && !allowedHosts.has(host.toLowerCase())) {
        ctx.error = `bad host name: ${host}`;
        return BAD_HOST;
      }
      const ssl = needSsl ? isSsl(h, ops, ctx, conn) : false;
      if (sslRedirect && !ssl) return redirect(locationHost || host);
      if (forceHost && locationHost && locationHost !== host) return redirect(locationHost);
      return ssl;
    },
    applyResponse(h, ops, ssl) {
      if (ssl && locationHost) fixLocation(h, ops, locationHost);
      setAll(h, ops, always);
      if (ssl) setAll(h, ops, sslOnly);
    },
  };
}

function fixLocation<H>(h: H, ops: HeaderOps<H>, sslHost: string): void {
  const location = ops.get(h, "location");
  if (location && (location.startsWith(`http://${sslHost}/`) || location === `http://${sslHost}`)) {
    ops.set(h, "location", "Location", `https:${location.slice(5)}`);
  }
}

/** Path and query of an absolute request URL. */
export function pathAndQuery(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash < 0 ? "/" : url.slice(slash);
}
