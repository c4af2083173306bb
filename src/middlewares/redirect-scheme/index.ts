import { isTrusted } from "../../server/forwarded-headers.ts";
import type { ConnInfo } from "../../server/handler.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { getHeader } from "../raw-view.ts";
import { rawUrlTarget } from "../replace-path/url-target.ts";
import { pathAndQueryOf, rawRedirect, redirectResponse } from "./redirect-response.ts";

// redirectScheme (usually named "https-only"): sends the client to the same
// host and path on `scheme` (and `port`). The request's scheme is the
// connection's, or X-Forwarded-Proto when the peer is trusted (a TLS-ending
// load balancer in front); ws/wss count as http/https.
//
// Traefik redirects whenever the rebuilt URL differs from the request's, so
// https://a:8443/ with `scheme: https` and no port is sent to https://a/.
// Sluice follows the documented rule instead: a request already on the
// target scheme passes, unless `port` is set and the request is on another
// port (a port redirection). The request's port is never copied into the
// Location: without `port` the target scheme's default port is used.

const DEFAULT_PORT: Record<string, string> = { http: "80", https: "443" };

registerMiddleware("redirectScheme", (options) => {
  const o = new OptionReader(options);
  const rawScheme = o.string("scheme", { required: true });
  const port = o.string("port");
  const permanent = o.bool("permanent");
  o.finish();
  const scheme = rawScheme?.trim().toLowerCase();
  if (scheme !== undefined && !/^[a-z][a-z0-9+.-]*$/.test(scheme)) {
    o.error("scheme", scheme === "" ? "is required" : `expected a URL scheme such as "https", got ${JSON.stringify(rawScheme)}`);
  }
  if (port !== undefined && port !== "" && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    o.error("port", `expected a port number 1-65535, got ${JSON.stringify(port)}`);
  }
  if (o.hasErrors() || scheme === undefined) return { errors: o.problems };
  const targetPort = port ? String(Number(port)) : undefined;
  const portSuffix = targetPort && DEFAULT_PORT[scheme] !== targetPort ? `:${targetPort}` : "";
  /** The decision both forms share: the Location's `scheme://host[:port]`, or null when the request passes. */
  const redirectBase = (from: string, host: string): string | null => {
    const close = host.lastIndexOf("]");
    const colon = host.lastIndexOf(":");
    const hasPort = colon > close;
    if (from === scheme) {
      if (targetPort === undefined) return null;
      const hostPort = hasPort ? portNumber(host.slice(colon + 1)) : null;
      if ((hostPort ?? DEFAULT_PORT[from]) === targetPort) return null;
    }
    return `${scheme}://${hasPort ? host.slice(0, colon) : host}${portSuffix}`;
  };
  return {
    warnings: o.problems,
    middleware: (next) => (req, ctx, conn) => {
      const base = redirectBase(schemeOf(req.headers.get("x-forwarded-proto"), conn), req.headers.get("host") ?? ctx.host);
      if (base === null) return next(req, ctx, conn);
      return redirectResponse(req, ctx, base + pathAndQueryOf(req.url), permanent);
    },
    // The most common middleware of all (https-only on every plain-HTTP
    // router): two header scans, one string, the answer written directly.
    raw: (next) => (ex, ctx, conn, done) => {
      const headers = ex.head.headers;
      const base = redirectBase(schemeOf(getHeader(headers, "x-forwarded-proto"), conn), getHeader(headers, "host") ?? ctx.host);
      if (base === null) return next(ex, ctx, conn, done);
      rawRedirect(ex, ctx, base + rawUrlTarget(ctx), permanent, done);
    },
  };
});

/** The scheme the client used: the connection's, or a trusted peer's X-Forwarded-Proto (`proto`). */
export function schemeOf(proto: string | null, conn: ConnInfo): string {
  if (proto && isTrusted(conn.trust, conn.clientIp)) {
    // Several header lines arrive joined: the first one is the outermost hop's.
    const comma = proto.indexOf(",");
    const first = (comma < 0 ? proto : proto.slice(0, comma)).trim().toLowerCase();
    if (first === "http" || first === "ws") return "http";
    if (first === "https" || first === "wss") return "https";
  }
  return conn.scheme;
}

/** "08080" -> "8080"; null when not a number. */
function portNumber(port: string): string | null {
  return /^\d+$/.test(port) ? String(Number(port)) : null;
}
