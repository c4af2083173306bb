import { IpRangeList } from "../net/ip-range.ts";

// X-Forwarded-* as Traefik sets them: incoming values are kept only when the
// peer is trusted (forwardedHeaders.trustedIPs or insecure), otherwise they
// are replaced, so a client cannot spoof its address to the backend.
//
// As in Traefik, the untrusted ones are dropped at the entrypoint, before any
// middleware (stripUntrustedForwarded), so a value a middleware sets (headers'
// customRequestHeaders X-Forwarded-Proto: https) reaches the backend; when
// forwarding, whatever is left is kept (ENTRY_FILTERED).

/** Request headers only a trusted peer may send. */
export const FORWARDED = [
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-forwarded-port",
  "x-forwarded-server",
  "x-real-ip",
  "forwarded",
  // Set by passTLSClientCert: from a client they would be forged certificates.
  "x-forwarded-tls-client-cert",
  "x-forwarded-tls-client-cert-info",
];

/** The trust to forward with once the entrypoint has dropped what an untrusted peer sent. */
export const ENTRY_FILTERED: ForwardedTrust = { insecure: true, trusted: IpRangeList.parse([]).list };

export function isTrusted(trust: ForwardedTrust, peer: string): boolean {
  return trust.insecure || trust.trusted.contains(peer);
}

/** The Request-path (Bun.serve) form of the entrypoint's filtering. */
export function stripUntrustedForwarded(headers: Headers, peer: string, trust: ForwardedTrust): void {
  let trusted: boolean | undefined;
  for (const name of FORWARDED) {
    if (!headers.has(name)) continue;
    trusted ??= isTrusted(trust, peer);
    if (trusted) return;
    headers.delete(name);
  }
}

export interface ForwardedTrust {
  insecure: boolean;
  trusted: IpRangeList;
}

export interface ForwardedInput {
  clientIp: string;
  scheme: "http" | "https";
  /** Host header as received (may include a port). */
  host: string;
  entryPointPort: number;
  serverName: string;
  websocket: boolean;
}

export function applyForwardedHeaders(headers: Headers, input: ForwardedInput, trust: ForwardedTrust): void {
  const trusted = isTrusted(trust, input.clientIp);
  if (!trusted) for (const h of FORWARDED) headers.delete(h);

  const prior = headers.get("x-forwarded-for");
  headers.set("x-forwarded-for", prior ? `${prior}, ${input.clientIp}` : input.clientIp);

  if (!headers.has("x-forwarded-proto")) {
    const secure = input.scheme === "https";
    headers.set("x-forwarded-proto", input.websocket ? (secure ? "wss" : "ws") : input.scheme);
  }
  if (!headers.has("x-forwarded-host") && input.host) headers.set("x-forwarded-host", input.host);
  if (!headers.has("x-forwarded-port")) {
    headers.set("x-forwarded-port", portOf(input.host) ?? String(input.entryPointPort));
  }
  headers.set("x-forwarded-server", input.serverName);
  if (!headers.has("x-real-ip")) headers.set("x-real-ip", input.clientIp);
}

/** The explicit port of a Host header value, or null. Handles "[::1]:8080". */
export function portOf(host: string): string | null {
  const close = host.lastIndexOf("]");
  const colon = host.lastIndexOf(":");
  if (colon < 0 || colon < close) return null;
  const port = host.slice(colon + 1);
  return /^\d{1,5}$/.test(port) ? port : null;
}
