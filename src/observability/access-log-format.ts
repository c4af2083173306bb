// The two access-log line formats, byte-compatible with Traefik's:
// its common log format (CLF plus request count, router, service URL,
// duration) and logrus' JSON (sorted keys, level/msg/time added).
import type { RequestContext } from "../server/request-context.ts";
import type { FieldValue, LogFields } from "./access-log-fields.ts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const pad2 = (n: number) => (n < 10 ? "0" : "") + n;

/** "+hh:mm" / "+hhmm" for an offset in minutes east of UTC. */
function offsetText(eastMin: number, colon: boolean): string {
  const sign = eastMin < 0 ? "-" : "+";
  const abs = Math.abs(eastMin);
  return sign + pad2(Math.floor(abs / 60)) + (colon ? ":" : "") + pad2(abs % 60);
}

/** Minutes east of UTC of the process' local zone at `ms`. */
const localOffset = (ms: number) => -new Date(ms).getTimezoneOffset();

/** The last timestamp formatted, per zone: the layout has whole seconds, and a busy proxy logs many lines in each. */
const lastClf = { utc: { second: NaN, text: "" }, local: { second: NaN, text: "" } };

/** Go layout "02/Jan/2006:15:04:05 -0700", in UTC or in local time. */
export function clfTime(ms: number, local: boolean): string {
  const last = local ? lastClf.local : lastClf.utc;
  const second = Math.floor(ms / 1000);
  if (second !== last.second) {
    last.text = formatClfTime(ms, local);
    last.second = second;
  }
  return last.text;
}

function formatClfTime(ms: number, local: boolean): string {
  const east = local ? localOffset(ms) : 0;
  const d = new Date(ms + east * 60_000);
  return (
    `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ${offsetText(east, false)}`
  );
}

/** Go's RFC 3339 (nano: fraction with trailing zeros trimmed), "Z" in UTC. */
export function rfc3339(ms: number, local: boolean, withFraction: boolean): string {
  const east = local ? localOffset(ms) : 0;
  const iso = new Date(ms + east * 60_000).toISOString(); // 2006-01-02T15:04:05.000Z
  let out = iso.slice(0, 19);
  if (withFraction) {
    const frac = iso.slice(20, 23).replace(/0+$/, "");
    if (frac) out += "." + frac;
  }
  return out + (east === 0 ? "Z" : offsetText(east, true));
}

/** Traefik's toLog: missing or empty → default; strings maybe quoted; numbers bare. */
function toLog(fields: LogFields, key: string, dflt: string, quoted: boolean): string {
  const v = fields[key];
  if (v === undefined) return dflt;
  if (typeof v === "number") return String(v);
  if (v.length === 0) return dflt;
  return quoted ? `"${v}"` : v;
}

/**
 * Traefik's common log line from its parts, each already as toLog prints it
 * (defaults filled in, strings quoted where the format quotes them).
 */
function clfLine(
  clientHost: string, username: string, time: string, method: string, path: string, protocol: string,
  status: string, size: string, referer: string, agent: string, count: string, router: string, serviceUrl: string, ms: number,
): string {
  return `${clientHost} - ${username} [${time}] "${method} ${path} ${protocol}" ${status} ${size} ${referer} ${agent} ${count} ${router} ${serviceUrl} ${ms}ms\n`;
}

export function formatCommon(fields: LogFields): string {
  let ts = "-";
  const utc = fields.StartUTC;
  const local = fields.StartLocal;
  if (utc !== undefined) ts = typeof utc === "number" ? clfTime(utc, false) : utc;
  else if (local !== undefined) ts = typeof local === "number" ? clfTime(local, true) : local;
  const dur = fields.Duration;
  const ms = typeof dur === "number" ? Math.trunc(dur / 1e6) : 0;
  return clfLine(
    toLog(fields, "ClientHost", "-", false), toLog(fields, "ClientUsername", "-", false), ts,
    toLog(fields, "RequestMethod", "-", false), toLog(fields, "RequestPath", "-", false), toLog(fields, "RequestProtocol", "-", false),
    toLog(fields, "DownstreamStatus", "-", true), toLog(fields, "DownstreamContentSize", "-", true),
    toLog(fields, "request_Referer", '"-"', true), toLog(fields, "request_User-Agent", '"-"', true),
    toLog(fields, "RequestCount", "-", true), toLog(fields, "RouterName", '"-"', true), toLog(fields, "ServiceURL", '"-"', true), ms,
  );
}

/** A string field as toLog prints it: the default when empty, else the text (quoted when asked). */
const orDash = (v: string | undefined, quoted: boolean) => (v ? (quoted ? `"${v}"` : v) : quoted ? '"-"' : "-");

/**
 * formatCommon(buildFields(ctx, requestCount, <Traefik's default fields>)),
 * straight from the context: every field kept, every header dropped (so
 * referer and agent print "-"). The field table costs more than the line.
 */
export function formatCommonDefault(ctx: RequestContext, requestCount: number): string {
  const ms = Math.trunc(Math.round((ctx.durationMs ?? 0) * 1e6) / 1e6);
  return clfLine(
    orDash(ctx.clientHost, false), ctx.clientUsername || "-", clfTime(ctx.startMs, false),
    orDash(ctx.method, false), orDash(ctx.path, false), orDash(ctx.protocol, false),
    String(ctx.downstreamStatus), String(ctx.downstreamContentSize), '"-"', '"-"',
    String(requestCount), orDash(ctx.routerName, true), orDash(ctx.serviceUrl, true), ms,
  );
}

// Go's encoder escapes these for HTML safety; logrus leaves that on.
const HTML_UNSAFE = /[<>&\u2028\u2029]/;
const HTML_UNSAFE_ALL = /[<>&\u2028\u2029]/g;
const HTML_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

// Plain printable ASCII needs no escaping at all: the common case, and a cheap test.
const JSON_PLAIN = /^[ !#-%'-;=?-\[\]-~]*$/;

function jsonString(s: string): string {
  if (JSON_PLAIN.test(s)) return `"${s}"`;
  const q = JSON.stringify(s);
  return HTML_UNSAFE.test(q) ? q.replace(HTML_UNSAFE_ALL, (c) => HTML_ESCAPES[c]!) : q;
}

/** Every core field name buildFields can emit, in Go's sorted key order. */
const CORE_KEYS = [
  "StartUTC", "StartLocal", "Duration", "OriginDuration", "Overhead",
  "RouterName", "ServiceName", "ServiceURL", "ServiceAddr",
  "ClientAddr", "ClientHost", "ClientPort", "ClientUsername",
  "RequestAddr", "RequestHost", "RequestPort", "RequestMethod", "RequestPath", "RequestProtocol", "RequestScheme",
  "RequestContentSize", "RequestCount",
  "OriginContentSize", "OriginStatus", "DownstreamStatus", "DownstreamContentSize", "GzipRatio", "RetryAttempts",
  "TLSVersion", "TLSCipher",
].sort();
const CORE_SET = new Set(CORE_KEYS);

/** Formatting a time costs more than the rest of a field; lines in one second share the work. */
class SecondCache {
  private second = NaN;
  private text = "";
  constructor(
    private readonly local: boolean,
    private readonly withFraction: boolean,
  ) {}
  format(ms: number): string {
    const sec = Math.floor(ms / 1000);
    if (sec !== this.second) {
      this.second = sec;
      this.text = rfc3339(sec * 1000, this.local, false);
    }
    if (!this.withFraction) return this.text;
    const frac = String(ms - sec * 1000).padStart(3, "0").replace(/0+$/, "");
    if (!frac) return this.text;
    // Insert ".fff" before the zone ("Z" or "+hh:mm").
    const zoneAt = this.text.length - (this.text.endsWith("Z") ? 1 : 6);
    return this.text.slice(0, zoneAt) + "." + frac + this.text.slice(zoneAt);
  }
}
const utcNano = new SecondCache(false, true);
const localNano = new SecondCache(true, true);
const localSeconds = new SecondCache(true, false);

function jsonValue(key: string, v: FieldValue): string {
  if (typeof v === "number") {
    if (key === "StartUTC") return `"${utcNano.format(v)}"`;
    if (key === "StartLocal") return `"${localNano.format(v)}"`;
    return Number.isFinite(v) ? String(v) : "0";
  }
  return jsonString(v);
}

/**
 * One logrus JSON line: all fields plus level/msg/time, keys in Go's sorted
 * (byte) order: the capitalised core fields first, then the lowercase group
 * where header fields (downstream_/origin_/request_) meet level, msg and time.
 */
export function formatJson(fields: LogFields, nowMs: number): string {
  let out = "{";
  for (const k of CORE_KEYS) {
    const v = fields[k];
    if (v !== undefined) out += `${out.length > 1 ? "," : ""}"${k}":${jsonValue(k, v)}`;
  }
  const rest = ["level", "msg", "time"];
  for (const k in fields) if (!CORE_SET.has(k)) rest.push(k);
  rest.sort();
  for (const k of rest) {
    let v: string;
    if (k === "level") v = '"info"';
    else if (k === "msg") v = '""';
    else if (k === "time") v = `"${localSeconds.format(nowMs)}"`;
    else v = jsonValue(k, fields[k]!);
    out += `${out.length > 1 ? "," : ""}${jsonString(k)}:${v}`;
  }
  return out + "}\n";
}
