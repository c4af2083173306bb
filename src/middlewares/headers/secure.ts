import type { ConnInfo } from "../../server/handler.ts";
import type { RequestContext } from "../../server/request-context.ts";
import { headerView, type HeaderView } from "./forwarded-view.ts";
import type { HeadersOptions } from "./options.ts";

// The security half of `headers` (Traefik delegates it to unrolled/secure):
// an allowed-hosts check, https detection (TLS or sslProxyHeaders), the v2
// https redirect, and fixed response headers. Header values are built once;
// per request only the host and https checks run, and only when configured.

export interface SecurePlan {
  /** Answers the request itself (bad host, https redirect), or tells whether it counts as https. */
  check(req: Request, ctx: RequestContext, conn: ConnInfo): Response | boolean;
  readonly hasResponseHeaders: boolean;
  applyResponse(headers: Headers, ssl: boolean): void;
}

const TEXT = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };

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

  const always: [string, string][] = [];
  const sslOnly: [string, string][] = [];
  if (o.stsSeconds > 0 && !dev) {
    const sts = `max-age=${o.stsSeconds}${o.stsIncludeSubdomains ? "; includeSubDomains" : ""}${o.stsPreload ? "; preload" : ""}`;
    (o.forceSTSHeader ? always : sslOnly).push(["strict-transport-security", sts]);
  }
  const frame = o.customFrameOptionsValue || (o.frameDeny ? "DENY" : "");
  if (frame) always.push(["x-frame-options", frame]);
  if (o.contentTypeNosniff) always.push(["x-content-type-options", "nosniff"]);
  const xss = o.customBrowserXSSValue || (o.browserXssFilter ? "1; mode=block" : "");
  if (xss) always.push(["x-xss-protection", xss]);
  if (o.publicKey && !dev) sslOnly.push(["public-key-pins", o.publicKey]);
  if (o.contentSecurityPolicy) always.push(["content-security-policy", o.contentSecurityPolicy]);
  if (o.contentSecurityPolicyReportOnly) always.push(["content-security-policy-report-only", o.contentSecurityPolicyReportOnly]);
  if (o.referrerPolicy) always.push(["referrer-policy", o.referrerPolicy]);
  if (o.featurePolicy) always.push(["feature-policy", o.featurePolicy]);
  if (o.permissionsPolicy) always.push(["permissions-policy", o.permissionsPolicy]);
  // An http:// Location to sslHost is turned into https:// on https requests.
  const locationHost = o.sslHost;

  const needHost = allowedHosts !== null || sslRedirect || forceHost;
  const needSsl = sslOnly.length > 0 || sslRedirect || locationHost !== "";
  if (!needHost && !needSsl && always.length === 0) return null;

  const hostOf = (req: Request, ctx: RequestContext, conn: ConnInfo): string => {
    for (let i = 0; i < hostViews.length; i++) {
      const v = hostViews[i](req, ctx, conn);
      if (v) return v;
    }
    return req.headers.get("host") ?? ctx.host;
  };
  const isSsl = (req: Request, ctx: RequestContext, conn: ConnInfo): boolean => {
    if (conn.scheme === "https") return true;
    for (let i = 0; i < sslViews.length; i++) if (sslViews[i][0](req, ctx, conn) === sslViews[i][1]) return true;
    return false;
  };
  const redirect = (req: Request, host: string) =>
    new Response(null, { status: redirectStatus, headers: { location: `https://${host}${pathAndQuery(req.url)}` } });

  return {
    hasResponseHeaders: always.length > 0 || sslOnly.length > 0 || locationHost !== "",
    check(req, ctx, conn) {
      const host = needHost ? hostOf(req, ctx, conn) : "";
      if (allowedHosts !== null && !allowedHosts.has(host.toLowerCase())) {
        ctx.error = `bad host name: ${host}`;
        return new Response("Bad Host\n", { status: 400, headers: TEXT });
      }
      const ssl = needSsl ? isSsl(req, ctx, conn) : false;
      if (sslRedirect && !ssl) return redirect(req, locationHost || host);
      if (forceHost && locationHost && locationHost !== host) return redirect(req, locationHost);
      return ssl;
    },
    applyResponse(headers, ssl) {
      if (ssl && locationHost) fixLocation(headers, locationHost);
      for (let i = 0; i < always.length; i++) headers.set(always[i][0], always[i][1]);
      if (ssl) for (let i = 0; i < sslOnly.length; i++) headers.set(sslOnly[i][0], sslOnly[i][1]);
    },
  };
}

function fixLocation(headers: Headers, sslHost: string): void {
  const location = headers.get("location");
  if (location && (location.startsWith(`http://${sslHost}/`) || location === `http://${sslHost}`)) {
    headers.set("location", `https:${location.slice(5)}`);
  }
}

/** Path and query of an absolute request URL. */
export function pathAndQuery(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash < 0 ? "/" : url.slice(slash);
}
