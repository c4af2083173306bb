import { FORWARDED as FORWARDED_NAMES, isTrusted, portOf, type ForwardedTrust } from "../forwarded-headers.ts";
import type { HeaderList } from "./http1-parser.ts";

// The raw front's version of stripHopByHop + applyForwardedHeaders: one pass
// over the parsed field lines into the list sent upstream, no Headers object.

const HOP_BY_HOP = new Set([
  "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
  "te", "trailer", "transfer-encoding", "upgrade", "content-length",
]);
const FORWARDED = new Set(FORWARDED_NAMES);
const FORWARDED_LENGTHS = new Set(FORWARDED_NAMES.map((n) => n.length));
/** Lengths of every name forwardHeaderList treats specially: other names pass without being lower-cased. */
const SPECIAL_LENGTHS: boolean[] = [];
for (const n of [...HOP_BY_HOP, ...FORWARDED, "host"]) SPECIAL_LENGTHS[n.length] = true;

/**
 * The raw front's form of the entrypoint's filtering: drops what only a
 * trusted peer may send. Most requests carry none of these: the peer's trust
 * is only looked up when one is there.
 */
export function stripUntrustedForwardedList(headers: HeaderList, peer: string, trust: ForwardedTrust): void {
  let trusted: boolean | undefined;
  for (let i = headers.length - 1; i >= 0; i--) {
    const n = headers[i][0];
    if (!FORWARDED_LENGTHS.has(n.length) || !FORWARDED.has(n.toLowerCase())) continue;
    trusted ??= isTrusted(trust, peer);
    if (trusted) return;
    headers.splice(i, 1);
  }
}

export interface RawForwardInput {
  headers: HeaderList;
  /** Lower-cased tokens of the Connection field: the headers they name are hop-by-hop too. */
  connection: string[];
  clientIp: string;
  scheme: "http" | "https";
  host: string;
  entryPointPort: number;
  proxyHostname: string;
  websocket: boolean;
  /** Host to send when passHostHeader is false. */
  backendHost: string | null;
}

/**
 * Returns the header list for the upstream request. Content-Length and
 * Transfer-Encoding are left out: the upstream client frames the body itself.
 */
export function forwardHeaderList(input: RawForwardInput, trust: ForwardedTrust): HeaderList {
  const trusted = isTrusted(trust, input.clientIp);
  const named = input.connection.length ? new Set(input.connection) : null;
  const out: HeaderList = [];
  let priorFor: string | null = null;
  let hasProto = false;
  let hasHost = false;
  let hasPort = false;
  let hasRealIp = false;
  let hostSent = false;
  for (const pair of input.headers) {
    if (named === null && SPECIAL_LENGTHS[pair[0].length] !== true) {
      out.push(pair);
      continue;
    }
    const name = pair[0].toLowerCase();
    if (HOP_BY_HOP.has(name) || (named !== null && named.has(name))) continue;
    if (FORWARDED.has(name)) {
      if (!trusted || name === "x-forwarded-server") continue;
      if (name === "x-forwarded-for") {
        priorFor = priorFor === null ? pair[1] : `${priorFor}, ${pair[1]}`;
        continue;
      }
      if (name === "x-forwarded-proto") hasProto = true;
      else if (name === "x-forwarded-host") hasHost = true;
      else if (name === "x-forwarded-port") hasPort = true;
      else if (name === "x-real-ip") hasRealIp = true;
    }
    if (name === "host") {
      if (hostSent) continue;
      hostSent = true;
      out.push(["Host", input.backendHost ?? pair[1]]);
      continue;
    }
    out.push(pair);
  }
  if (!hostSent && input.backendHost) out.push(["Host", input.backendHost]);
  out.push(["X-Forwarded-For", priorFor ? `${priorFor}, ${input.clientIp}` : input.clientIp]);
  if (!hasProto) {
    const secure = input.scheme === "https";
    out.push(["X-Forwarded-Proto", input.websocket ? (secure ? "wss" : "ws") : input.scheme]);
  }
  if (!hasHost && input.host) out.push(["X-Forwarded-Host", input.host]);
  if (!hasPort) out.push(["X-Forwarded-Port", portOf(input.host) ?? String(input.entryPointPort)]);
  out.push(["X-Forwarded-Server", input.proxyHostname]);
  if (!hasRealIp) out.push(["X-Real-Ip", input.clientIp]);
  return out;
}
