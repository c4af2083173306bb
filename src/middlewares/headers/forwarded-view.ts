import { isTrusted, portOf } from "../../server/forwarded-headers.ts";
import type { ConnInfo } from "../../server/handler.ts";
import type { RequestContext } from "../../server/request-context.ts";
import type { HeaderOps } from "./header-ops.ts";

// hostsProxyHeaders and sslProxyHeaders read request headers such as
// X-Forwarded-Host / X-Forwarded-Proto. In Traefik the entrypoint has already
// replaced those with its own values when the peer is not trusted
// (forwardedHeaders.trustedIPs / insecure) before any middleware runs. Sluice
// applies X-Forwarded-* later, in the proxy, so this gives the middleware the
// value Traefik's would have seen: a client cannot claim "https" or another
// host through a spoofed header.

/** Reads one request header (on either form's header store) as Traefik's middleware would see it. */
export type HeaderView = <H>(h: H, ops: HeaderOps<H>, ctx: RequestContext, conn: ConnInfo) => string | null;

type Own = (ctx: RequestContext, conn: ConnInfo) => string | null;

/** What the proxy itself sets for each header it strips from untrusted peers. */
const OWN_VALUES: Record<string, Own> = {
  "x-forwarded-proto": (_ctx, conn) => conn.scheme,
  "x-forwarded-host": (ctx) => ctx.host || null,
  "x-forwarded-port": (ctx, conn) => portOf(ctx.host) ?? String(conn.entryPointPort),
  "x-forwarded-for": (_ctx, conn) => conn.clientIp,
  "x-real-ip": (_ctx, conn) => conn.clientIp,
  "x-forwarded-server": () => null,
  forwarded: () => null,
};

export function isTrustedPeer(conn: ConnInfo): boolean {
  return isTrusted(conn.trust, conn.clientIp);
}

/**
 * How to read `name` as Traefik's secure middleware would. `setByConfig`:
 * customRequestHeaders sets or removes it before the check, so the request
 * already holds the value Traefik would see.
 */
export function headerView(name: string, setByConfig: boolean): HeaderView {
  const lower = name.toLowerCase();
  const own = OWN_VALUES[lower];
  if (!own || setByConfig) return (h, ops) => ops.get(h, lower);
  if (lower === "x-forwarded-for") {
    return (h, ops, _ctx, conn) => {
      const prior = isTrustedPeer(conn) ? ops.get(h, lower) : null;
      return prior ? `${prior}, ${conn.clientIp}` : conn.clientIp;
    };
  }
  return (h, ops, ctx, conn) => (isTrustedPeer(conn) ? ops.get(h, lower) : null) ?? own(ctx, conn);
}
