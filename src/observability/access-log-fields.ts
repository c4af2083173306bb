// Turns one finished RequestContext into Traefik's access-log field table,
// after applying fields.names (keep/drop/redact) and fields.headers.
import type { AccessLogConfig, FieldMode } from "../config/static/types.ts";
import type { RequestContext } from "../server/request-context.ts";
import { headerFrom, sameField, type HeaderSource } from "../server/raw/header-list.ts";

/** Numbers stay numbers (JSON ints, bare in CLF); time fields hold ms since the epoch. */
export type FieldValue = string | number;
export type LogFields = Record<string, FieldValue>;

export const REDACTED = "REDACTED";

export interface TlsInfo {
  version: string;
  cipher: string;
}

type FieldsConfig = NonNullable<AccessLogConfig["fields"]>;

/** Traefik's defaults: every field kept, every header dropped. */
const DEFAULT_FIELDS: FieldsConfig = { defaultMode: "keep", names: {}, headers: { defaultMode: "drop", names: {} } };

// Header names repeat from request to request; remember their canonical form (bounded).
const canonicalMemo = new Map<string, string>();

/** Go's textproto.CanonicalMIMEHeaderKey for the usual token names: "x-forwarded-for" → "X-Forwarded-For". */
export function canonicalHeader(name: string): string {
  const known = canonicalMemo.get(name);
  if (known !== undefined) return known;
  const out = canonicalize(name);
  if (canonicalMemo.size < 4096) canonicalMemo.set(name, out);
  return out;
}

function canonicalize(name: string): string {
  let out = "";
  let upper = true;
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === "-";
  }
  return out;
}

/** Go's net.SplitHostPort, falling back like Traefik: (value, "-") when it has no port. */
export function splitHostPort(value: string): [host: string, port: string] {
  if (value.startsWith("[")) {
    const end = value.indexOf("]:");
    return end > 0 ? [value.slice(1, end), value.slice(end + 2)] : [value, "-"];
  }
  const colon = value.lastIndexOf(":");
  if (colon < 0 || value.indexOf(":") !== colon) return [value, "-"];
  return [value.slice(0, colon), value.slice(colon + 1)];
}

export class FieldSelector {
  private readonly fieldDefault: FieldMode;
  private readonly fieldModes = new Map<string, FieldMode>();
  private readonly headerDefault: FieldMode;
  private readonly headerModes = new Map<string, FieldMode>();
  /** Headers worth looking up when the default is drop (the common case). */
  private readonly listedHeaders: [lower: string, canonical: string, mode: FieldMode][] = [];

  constructor(cfg: AccessLogConfig["fields"]) {
    const f = cfg ?? DEFAULT_FIELDS;
    this.fieldDefault = f.defaultMode === "drop" || f.defaultMode === "redact" ? f.defaultMode : "keep";
    // Field names match case-insensitively, as in Traefik.
    for (const [name, mode] of Object.entries(f.names ?? {})) this.fieldModes.set(name.toLowerCase(), mode);
    const h = f.headers ?? DEFAULT_FIELDS.headers;
    this.headerDefault = h.defaultMode === "keep" || h.defaultMode === "redact" ? h.defaultMode : "drop";
    for (const [name, mode] of Object.entries(h.names ?? {})) {
      const canonical = canonicalHeader(name);
      this.headerModes.set(canonical, mode);
      if (mode !== "drop") this.listedHeaders.push([name.toLowerCase(), canonical, mode]);
    }
  }

  private memo = new Map<string, FieldMode>();

  fieldMode(name: string): FieldMode {
    let mode = this.memo.get(name);
    if (mode === undefined) {
      mode = this.fieldModes.get(name.toLowerCase()) ?? this.fieldDefault;
      this.memo.set(name, mode);
    }
    return mode;
  }

  /** Traefik's defaults: every field kept, no header logged (the common format then needs no table). */
  get isDefault(): boolean {
    return this.keepsAllFields && this.headerDefault === "drop" && this.listedHeaders.length === 0;
  }

  /** Every field is kept as it is (the default): the table needs no filtering pass. */
  get keepsAllFields(): boolean {
    return this.fieldDefault === "keep" && this.fieldModes.size === 0;
  }

  /**
   * Adds `prefix<Header>` entries for the headers the config keeps or redacts.
   * A raw field list is read as it is when only listed headers are logged (the
   * default); all of them are walked through a Headers object.
   */
  addHeaders(out: LogFields, source: HeaderSource | undefined, prefix: string): void {
    if (!source) return;
    if (this.headerDefault === "drop") {
      for (const [lower, canonical, mode] of this.listedHeaders) {
        const v = headerValue(source, lower);
        if (v !== null) out[prefix + canonical] = mode === "redact" ? REDACTED : v;
      }
      return;
    }
    const headers = Array.isArray(source) ? new Headers(source) : source;
    headers.forEach((_value, lower) => {
      const canonical = canonicalHeader(lower);
      const mode = this.headerModes.get(canonical) ?? this.headerDefault;
      if (mode === "drop") return;
      out[prefix + canonical] = mode === "redact" ? REDACTED : (headerValue(headers, lower) ?? "");
    });
  }
}

function headerValue(source: HeaderSource, lower: string): string | null {
  if (lower !== "set-cookie") return headerFrom(source, lower);
  // Several Set-Cookie headers must not be merged by ", " (dates contain commas).
  const all = Array.isArray(source) ? source.filter(([name]) => sameField(name, lower)).map(([, value]) => value) : source.getSetCookie();
  return all.length ? all.join(",") : null;
}

const NS_PER_MS = 1e6;

/** Builds the field table Traefik logs for one request. */
export function buildFields(ctx: RequestContext, requestCount: number, sel: FieldSelector, tls?: TlsInfo): LogFields {
  const all: LogFields = {};
  const durationNs = Math.round((ctx.durationMs ?? 0) * NS_PER_MS);
  all.StartUTC = ctx.startMs;
  all.StartLocal = ctx.startMs;
  all.Duration = durationNs;
  if (ctx.originDurationMs !== undefined) {
    const originNs = Math.round(ctx.originDurationMs * NS_PER_MS);
    all.OriginDuration = originNs;
    all.Overhead = durationNs - originNs;
  } else {
    all.Overhead = durationNs;
  }
  if (ctx.routerName) all.RouterName = ctx.routerName;
  if (ctx.serviceName) all.ServiceName = ctx.serviceName;
  if (ctx.serviceUrl) all.ServiceURL = ctx.serviceUrl;
  if (ctx.serviceAddr) all.ServiceAddr = ctx.serviceAddr;

  all.ClientAddr = ctx.clientAddr;
  all.ClientHost = ctx.clientHost;
  all.ClientPort = ctx.clientPort ? String(ctx.clientPort) : splitHostPort(ctx.clientAddr)[1];
  all.ClientUsername = ctx.clientUsername || "-";

  if (ctx.host) {
    all.RequestAddr = ctx.host;
    const [host, port] = splitHostPort(ctx.host);
    all.RequestHost = host;
    all.RequestPort = port;
  }
  all.RequestMethod = ctx.method;
  all.RequestPath = ctx.path;
  all.RequestProtocol = ctx.protocol;
  all.RequestScheme = ctx.scheme;
  all.RequestContentSize = ctx.requestContentSize;
  all.RequestCount = requestCount;

  if (ctx.originStatus !== undefined) all.OriginStatus = ctx.originStatus;
  if (ctx.originContentSize !== undefined) all.OriginContentSize = ctx.originContentSize;
  all.DownstreamStatus = ctx.downstreamStatus;
  all.DownstreamContentSize = ctx.downstreamContentSize;
  const origin = ctx.originContentSize;
  if (origin !== undefined && ctx.downstreamContentSize !== 0 && origin !== ctx.downstreamContentSize) {
    all.GzipRatio = origin / ctx.downstreamContentSize;
  }
  all.RetryAttempts = ctx.retryAttempts;
  if (tls) {
    all.TLSVersion = tls.version;
    all.TLSCipher = tls.cipher;
  }

  let out: LogFields = all;
  if (!sel.keepsAllFields) {
    out = {};
    for (const key in all) {
      const mode = sel.fieldMode(key);
      if (mode === "keep") out[key] = all[key]!;
      else if (mode === "redact") out[key] = REDACTED;
    }
  }
  sel.addHeaders(out, ctx.requestHeaderList ?? ctx.requestHeaders, "request_");
  // Sluice keeps one response header set; origin_ mirrors it when an origin answered.
  if (ctx.originStatus !== undefined) sel.addHeaders(out, ctx.responseHeaders, "origin_");
  sel.addHeaders(out, ctx.responseHeaders, "downstream_");
  return out;
}
