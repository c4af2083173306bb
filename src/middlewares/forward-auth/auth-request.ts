import http from "node:http";
import https from "node:https";
import { hostname } from "node:os";
import { applyForwardedHeaders, isTrusted } from "../../server/forwarded-headers.ts";
import type { ConnInfo } from "../../server/handler.ts";
import type { ForwardAuthConfig } from "./options.ts";

// The sub-request to the authentication server: the client's headers (minus
// hop-by-hop ones) plus X-Forwarded-Method/-Proto/-Host/-Uri/-For, sent to
// `address` without following redirects, decompressing or using a proxy.

/** Hop-by-hop headers dropped both ways. Proxy-Authorization goes to the auth server (RFC 7235 4.4), as in Traefik. */
export const HOP_HEADERS = ["connection", "keep-alive", "te", "trailer", "trailers", "transfer-encoding", "upgrade"];
/** Traefik's client derives these itself. */
const DERIVED = ["host", "content-length"];
const ENTRYPOINT_ALSO_DROPS = ["x-forwarded-uri", "x-forwarded-method", "x-forwarded-tls-client-cert", "x-forwarded-tls-client-cert-info"];
/** Traefik's http.Client timeout for the auth call. */
export const AUTH_TIMEOUT_MS = 30_000;

export interface AuthAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/**
 * Headers for the auth request, following Traefik's writeHeader. Traefik's
 * middlewares run after the entrypoint's forwarded-headers step (untrusted
 * X-Forwarded-* dropped; -Proto/-Host/-Port/-Server and X-Real-Ip set), so that
 * step is replayed here on a copy: Sluice applies it only later, in the proxy.
 */
export function authRequestHeaders(req: Request, conn: ConnInfo, cfg: ForwardAuthConfig): Headers {
  const url = new URL(req.url);
  const host = req.headers.get("host") || url.host;
  const seen = new Headers(req.headers);
  const priorFor = peerTrusted(conn) ? req.headers.get("x-forwarded-for") : null;
  const input = { clientIp: conn.clientIp, scheme: conn.scheme, host, entryPointPort: conn.entryPointPort, serverName: hostname(), websocket: false };
  applyForwardedHeaders(seen, input, conn.trust);
  // Traefik's entrypoint also drops these from an untrusted peer.
  if (!peerTrusted(conn)) for (const name of ENTRYPOINT_ALSO_DROPS) seen.delete(name);
  // The entrypoint step does not add the peer to X-Forwarded-For (the proxy does).
  if (priorFor) seen.set("x-forwarded-for", priorFor);
  else seen.delete("x-forwarded-for");

  let h = new Headers(seen);
  for (const name of (h.get("connection") ?? "").split(",")) if (name.trim()) h.delete(name.trim());
  for (const name of [...HOP_HEADERS, ...DERIVED]) h.delete(name);
  if (cfg.authRequestHeaders.length > 0) {
    const kept = new Headers();
    for (const name of cfg.authRequestHeaders) {
      const v = h.get(name);
      if (v !== null) kept.set(name, v);
    }
    h = kept;
  }
  const trusted = (name: string) => (cfg.trustForwardHeader ? seen.get(name) : null);
  const xff = trusted("x-forwarded-for");
  h.set("x-forwarded-for", xff ? `${xff}, ${conn.clientIp}` : conn.clientIp);
  h.set("x-forwarded-method", trusted("x-forwarded-method") || req.method);
  h.set("x-forwarded-proto", trusted("x-forwarded-proto") || conn.scheme);
  const port = trusted("x-forwarded-port");
  if (port) h.set("x-forwarded-port", port);
  h.set("x-forwarded-host", trusted("x-forwarded-host") || host);
  h.set("x-forwarded-uri", trusted("x-forwarded-uri") || url.pathname + url.search);
  return h;
}

function peerTrusted(conn: ConnInfo): boolean {
  return isTrusted(conn.trust, conn.clientIp);
}

/** Sends the auth request and reads the whole answer (its body is small: a verdict or a login page). */
export async function callAuthServer(
  cfg: ForwardAuthConfig,
  method: string,
  headers: Headers,
  body: Uint8Array | null,
  signal: AbortSignal,
): Promise<AuthAnswer> {
  // fetch refuses a body on GET/HEAD, which Traefik sends with forwardBody.
  if (body && (method === "GET" || method === "HEAD")) return nodeRequest(cfg, method, headers, body, signal);
  const res = await fetch(cfg.address, {
    method,
    headers,
    body,
    redirect: "manual",
    decompress: false,
    proxy: false,
    signal,
    tls: cfg.address.protocol === "https:" ? fetchTls(cfg) : undefined,
  });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

function fetchTls(cfg: ForwardAuthConfig) {
  const t = cfg.tls;
  return { rejectUnauthorized: !t.insecureSkipVerify, ca: t.ca, cert: t.cert, key: t.key };
}

function nodeRequest(cfg: ForwardAuthConfig, method: string, headers: Headers, body: Uint8Array, signal: AbortSignal): Promise<AuthAnswer> {
  const secure = cfg.address.protocol === "https:";
  const outgoing: Record<string, string> = Object.fromEntries(headers);
  outgoing["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = { method, headers: outgoing, signal, ...(secure ? fetchTls(cfg) : {}) };
    const req = (secure ? https : http).request(cfg.address, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const h = new Headers();
        const raw = res.rawHeaders;
        for (let i = 0; i + 1 < raw.length; i += 2) h.append(raw[i], raw[i + 1]);
        resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
