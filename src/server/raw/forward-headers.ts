import { FORWARDED as FORWARDED_NAMES, isTrusted, portOf, type ForwardedTrust } from "../forwarded-headers.ts";
import { FieldBlock, RangeFieldBlock, type HeaderList, type ReceivedFields } from "./http1-head.ts";
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
  /** The field lines as received (the parser's RequestHead.received), when known. */
  received?: ReceivedFields;
}

/**
 * The fields for the upstream request, as the text block they go out as
 * (no list of pairs built and serialized again). Content-Length and
 * Transfer-Encoding are left out: the upstream client frames the body itself.
 */
export function forwardFields(input: RawForwardInput, trust: ForwardedTrust): FieldBlock {
  const asReceived = input.received !== undefined ? receivedBlock(input, input.received) : null;
  if (asReceived !== null) return asReceived;
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
  if (priorFor === null && !hasProto && !hasHost && !hasPort && !hasRealIp) return new FieldBlock(text + forwardedSuffix(input));
  text += `X-Forwarded-For: ${priorFor ? `${priorFor}, ${input.clientIp}` : input.clientIp}\r\n`;
  if (!hasProto) text += `X-Forwarded-Proto: ${forwardedProto(input)}\r\n`;
  if (!hasHost && input.host) text += `X-Forwarded-Host: ${input.host}\r\n`;
  if (!hasPort) text += `X-Forwarded-Port: ${portOf(input.host) ?? String(input.entryPointPort)}\r\n`;
  text += `X-Forwarded-Server: ${input.proxyHostname}\r\n`;
  if (!hasRealIp) text += `X-Real-Ip: ${input.clientIp}\r\n`;
  return new FieldBlock(text);
}

/**
 * The usual request: its field lines are unchanged since parsing and none is
 * one this proxy drops or rewrites (only Host, passed on as is). Then they go
 * upstream as the bytes they came in, followed by the fields middlewares
 * added after them (customRequestHeaders of a name the request lacks) and
 * our X-Forwarded-* lines: no string is made of the received ones. Null when
 * that does not hold.
 */
function receivedBlock(input: RawForwardInput, received: ReceivedFields): RangeFieldBlock | null {
  const headers = input.headers;
  const pairs = received.pairs;
  if (input.backendHost !== null || headers.length < pairs.length || pairs.length === 0) return null;
  let added = "";
  for (let i = pairs.length; i < headers.length; i++) {
    const [name, value] = headers[i]!;
    // An added Host, forwarded, hop-by-hop or framing field: the list path.
    if (fieldKind(name) !== Kind.Plain) return null;
    added += `${name}: ${value}\r\n`;
  }
  // Connection naming fields beyond the usual ones: those must be found by name (the list path).
  for (const token of input.connection) if (token !== "keep-alive" && token !== "close" && token !== "upgrade") return null;
  const spans = received.spans;
  // The lines are contiguous: runs of them, cut where a framing line is left out.
  const ranges: number[] = [];
  let runFrom = spans[0]!;
  let bytes = 0;
  for (let i = 0; i < pairs.length; i++) {
    const pair = headers[i]!;
    // A middleware replaces pairs to change them: the same pair is the same line.
    if (pair !== pairs[i]) return null;
    const kind = fieldKind(pair[0]);
    if (kind === Kind.Plain || kind === Kind.Host) continue;
    // Forwarded fields depend on trust: the list path. Hop-by-hop lines are cut
    // out (framing and Upgrade are the upstream client's to write).
    if (kind === Kind.Forwarded) return null;
    const lineFrom = spans[2 * i]!;
    if (lineFrom > runFrom) {
      ranges.push(runFrom, lineFrom);
      bytes += lineFrom - runFrom;
    }
    runFrom = spans[2 * i + 1]!;
  }
  const end = spans[spans.length - 1]!;
  if (end > runFrom) {
    ranges.push(runFrom, end);
    bytes += end - runFrom;
  }
  const suffix = added.length === 0 ? forwardedSuffix(input) : added + forwardedSuffix(input);
  return new RangeFieldBlock(received.text, received.bytes, received.base, ranges, bytes + suffix.length, suffix);
}

const enum Kind { Plain, Host, Forwarded, HopByHop }

/** What the received-bytes path must do about a field, told from its name in place (no lower-cased copy). */
function fieldKind(name: string): Kind {
  const n = name.length;
  if (SPECIAL_LENGTHS[n] !== true) return Kind.Plain;
  if (n === 4 && lowerEquals(name, 0, "host")) return Kind.Host;
  if (namedIn(FORWARDED_BY_LENGTH, name)) return Kind.Forwarded;
  return namedIn(HOP_BY_HOP_BY_LENGTH, name) ? Kind.HopByHop : Kind.Plain;
}

/** Names grouped by length, to find a field name among them in place (lowerEquals) without a lower-cased copy. */
function byLength(names: Iterable<string>): string[][] {
  const table: string[][] = [];
  for (const n of names) (table[n.length] ??= []).push(n);
  return table;
}

const HOP_BY_HOP_BY_LENGTH = byLength(HOP_BY_HOP);
const FORWARDED_BY_LENGTH = byLength(FORWARDED);

function namedIn(table: string[][], name: string): boolean {
  const candidates = table[name.length];
  if (candidates === undefined) return false;
  for (let i = 0; i < candidates.length; i++) if (lowerEquals(name, 0, candidates[i]!)) return true;
  return false;
}

function forwardedProto(input: RawForwardInput): string {
  if (!input.websocket) return input.scheme;
  return input.scheme === "https" ? "wss" : "ws";
}

/**
 * X-Forwarded-* and X-Real-Ip for a request that brought none. The same
 * text serves every request of a connection (client, Host, entrypoint), so
 * the last one is kept while those match: already flat for the head writer.
 */
const lastSuffix = { clientIp: "", host: "", scheme: "", websocket: false, port: 0, proxyHostname: "", text: "" };

function forwardedSuffix(input: RawForwardInput): string {
  const last = lastSuffix;
  if (
    last.text !== "" && last.clientIp === input.clientIp && last.host === input.host && last.scheme === input.scheme &&
    last.websocket === input.websocket && last.port === input.entryPointPort && last.proxyHostname === input.proxyHostname
  ) {
    return last.text;
  }
  let text = `X-Forwarded-For: ${input.clientIp}\r\nX-Forwarded-Proto: ${forwardedProto(input)}\r\n`;
  if (input.host) text += `X-Forwarded-Host: ${input.host}\r\n`;
  text += `X-Forwarded-Port: ${portOf(input.host) ?? String(input.entryPointPort)}\r\nX-Forwarded-Server: ${input.proxyHostname}\r\nX-Real-Ip: ${input.clientIp}\r\n`;
  last.clientIp = input.clientIp;
  last.host = input.host;
  last.scheme = input.scheme;
  last.websocket = input.websocket;
  last.port = input.entryPointPort;
  last.proxyHostname = input.proxyHostname;
  last.text = text;
  return text;
}
