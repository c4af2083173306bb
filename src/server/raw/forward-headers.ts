import { FORWARDED as FORWARDED_NAMES, isTrusted, portOf, type ForwardedTrust } from "../forwarded-headers.ts";
import { FieldBlock, type HeaderList } from "./http1-head.ts";
import { lowerEquals } from "./http1-syntax.ts";

// The raw front's version of stripHopByHop + applyForwardedHeaders: one pass
// over the parsed field lines into the text sent upstream, no Headers object.

const HOP_BY_HOP = new Set([
  "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
  "te", "trailer", "transfer-encoding", "upgrade", "content-length",
]);
const FORWARDED = new Set(FORWARDED_NAMES);
const FORWARDED_LENGTHS = new Set(FORWARDED_NAMES.map((n) => n.length));
/** Lengths of every name it treats specially: other names pass without being lower-cased (forwardFields). */
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
 * The fields for the upstream request, as the text block they go out as
 * (no list of pairs built and serialized again). Content-Length and
 * Transfer-Encoding are left out: the upstream client frames the body itself.
 */
export function forwardFields(input: RawForwardInput, trust: ForwardedTrust): FieldBlock {
  const trusted = isTrusted(trust, input.clientIp);
  const named = input.connection.length ? new Set(input.connection) : null;
  let text = "";
  let priorFor: string | null = null;
  let hasProto = false;
  let hasHost = false;
  let hasPort = false;
  let hasRealIp = false;
  let hostSent = false;
  const headers = input.headers;
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i];
    if (named === null && SPECIAL_LENGTHS[pair[0].length] !== true) {
      text += `${pair[0]}: ${pair[1]}\r\n`;
      continue;
    }
    // Host, in nearly every request, is recognised without a lower-cased copy.
    const name = pair[0].length === 4 && lowerEquals(pair[0], 0, "host") ? "host" : pair[0].toLowerCase();
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
      text += `Host: ${input.backendHost ?? pair[1]}\r\n`;
      continue;
    }
    text += `${pair[0]}: ${pair[1]}\r\n`;
  }
  if (!hostSent && input.backendHost) text += `Host: ${input.backendHost}\r\n`;
  text += `X-Forwarded-For: ${priorFor ? `${priorFor}, ${input.clientIp}` : input.clientIp}\r\n`;
  if (!hasProto) {
    const secure = input.scheme === "https";
    text += `X-Forwarded-Proto: ${input.websocket ? (secure ? "wss" : "ws") : input.scheme}\r\n`;
  }
  if (!hasHost && input.host) text += `X-Forwarded-Host: ${input.host}\r\n`;
  if (!hasPort) text += `X-Forwarded-Port: ${portOf(input.host) ?? String(input.entryPointPort)}\r\n`;
  text += `X-Forwarded-Server: ${input.proxyHostname}\r\n`;
  if (!hasRealIp) text += `X-Real-Ip: ${input.clientIp}\r\n`;
  return new FieldBlock(text);
}
