import type { ConnInfo } from "../../server/handler.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { pathAndQueryOf, redirectResponse } from "./redirect-response.ts";

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
  return {
    warnings: o.problems,
    middleware: (next) => (req, ctx, conn) => {
      const from = requestScheme(req, conn);
      const { hostname, port: hostPort } = splitHost(req.headers.get("host") ?? ctx.host);
      if (from === scheme && (targetPort === undefined || (hostPort ?? DEFAULT_PORT[from]) === targetPort)) {
        return next(req, ctx, conn);
      }
      return redirectResponse(req, ctx, `${scheme}://${hostname}${portSuffix}${pathAndQueryOf(req.url)}`, permanent);
    },
  };
});

/** The scheme the client used: the connection's, or a trusted peer's X-Forwarded-Proto. */
export function requestScheme(req: Request, conn: ConnInfo): string {
  const proto = req.headers.get("x-forwarded-proto");
  if (proto && (conn.trust.insecure || conn.trust.trusted.contains(conn.clientIp))) {
    // Several header lines arrive joined: the first one is the outermost hop's.
    const first = proto.split(",")[0].trim().toLowerCase();
    if (first === "http" || first === "ws") return "http";
    if (first === "https" || first === "wss") return "https";
  }
  return conn.scheme;
}

/** A Host header value split into host (IPv6 keeps its brackets) and port. */
export function splitHost(host: string): { hostname: string; port: string | null } {
  const close = host.lastIndexOf("]");
  const colon = host.lastIndexOf(":");
  if (colon < 0 || colon < close) return { hostname: host, port: null };
  const port = host.slice(colon + 1);
  return { hostname: host.slice(0, colon), port: /^\d+$/.test(port) ? String(Number(port)) : null };
}
