import { readFileSync } from "node:fs";
import type { ServersTransportConfig } from "../config/dynamic/types.ts";
import type { GlobalServersTransport } from "../config/static/types.ts";
import { parseDuration } from "../config/static/duration.ts";
import type { UpstreamTimeouts, UpstreamTlsOptions } from "./upstream/types.ts";

/** A servers transport with defaults applied and files read: what a client needs. */
export interface ResolvedTransport {
  timeouts: UpstreamTimeouts;
  tls: UpstreamTlsOptions;
  maxIdleConnsPerHost: number;
  /** Stable identity: equal keys can share one upstream client (and its pool). */
  key: string;
}

/**
 * Dynamic `http.serversTransports.<n>` overrides the static, global
 * `serversTransport` field by field, as in Traefik v2.4+.
 */
export function resolveTransport(
  global: GlobalServersTransport,
  dynamic: ServersTransportConfig | undefined,
): { transport: ResolvedTransport; errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const ft = dynamic?.forwardingTimeouts ?? {};
  const dur = (v: string | number | undefined, fallback: number, name: string): number => {
    if (v === undefined) return fallback;
    try {
      return parseDuration(v);
    } catch (e) {
      errors.push(`forwardingTimeouts.${name}: ${(e as Error).message}`);
      return fallback;
    }
  };
  const timeouts: UpstreamTimeouts = {
    dialTimeoutMs: dur(ft.dialTimeout, global.forwardingTimeouts.dialTimeoutMs, "dialTimeout"),
    responseHeaderTimeoutMs: dur(ft.responseHeaderTimeout, global.forwardingTimeouts.responseHeaderTimeoutMs, "responseHeaderTimeout"),
    idleConnTimeoutMs: dur(ft.idleConnTimeout, global.forwardingTimeouts.idleConnTimeoutMs, "idleConnTimeout"),
    // HTTP/2 health pings (h2c:// servers); Traefik's defaults: off, 15 s.
    readIdleTimeoutMs: dur(ft.readIdleTimeout, 0, "readIdleTimeout"),
    pingTimeoutMs: dur(ft.pingTimeout, 15_000, "pingTimeout"),
  };
  const caFiles = dynamic?.rootCAs ?? global.rootCAs;
  const ca: string[] = [];
  for (const f of caFiles) {
    try {
      ca.push(readFileSync(f, "utf8"));
    } catch (e) {
      errors.push(`rootCAs: cannot read ${f}: ${(e as Error).message}`);
    }
  }
  const tls: UpstreamTlsOptions = {
    insecureSkipVerify: dynamic?.insecureSkipVerify ?? global.insecureSkipVerify,
    serverName: dynamic?.serverName,
    ca: ca.length ? ca : undefined,
    ...clientCertificate(dynamic?.certificates, errors, warnings),
  };
  const maxIdleConnsPerHost = dynamic?.maxIdleConnsPerHost ?? global.maxIdleConnsPerHost;
  const key = JSON.stringify([timeouts, tls, maxIdleConnsPerHost]);
  return { transport: { timeouts, tls, maxIdleConnsPerHost, key }, errors, warnings };
}

/**
 * `certificates`: the client certificate presented to backends that ask for
 * one. Go picks among several by the CAs the server names; Bun's TLS takes
 * one, so the first is used and the others are reported.
 */
function clientCertificate(list: { certFile: string; keyFile: string }[] | undefined, errors: string[], warnings: string[]): { cert?: string; key?: string } {
  if (!list?.length) return {};
  if (list.length > 1) warnings.push(`certificates: ${list.length} given, only the first is presented to backends`);
  const { certFile, keyFile } = list[0];
  try {
    return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
  } catch (e) {
    errors.push(`certificates[0]: cannot read: ${(e as Error).message}`);
    return {};
  }
}
