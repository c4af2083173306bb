import type { OptionReader } from "../options.ts";

// The `headers` options as Traefik's dynamic.Headers spells them (v2 and v3),
// read and checked once. Header names and values are validated with the same
// Headers API the request path uses, so a bad one is a build error instead of
// a TypeError on every request.

export interface HeadersOptions {
  customRequestHeaders: Record<string, string>;
  customResponseHeaders: Record<string, string>;
  // CORS
  accessControlAllowCredentials: boolean;
  accessControlAllowHeaders: string[];
  accessControlAllowMethods: string[];
  accessControlAllowOriginList: string[];
  accessControlAllowOriginListRegex: RegExp[];
  accessControlExposeHeaders: string[];
  accessControlMaxAge: number;
  addVaryHeader: boolean;
  // host and TLS detection
  allowedHosts: string[];
  hostsProxyHeaders: string[];
  sslProxyHeaders: Record<string, string>;
  // v2 only, deprecated: redirect to https from the headers middleware
  sslRedirect: boolean;
  sslTemporaryRedirect: boolean;
  sslHost: string;
  sslForceHost: boolean;
  // security response headers
  stsSeconds: number;
  stsIncludeSubdomains: boolean;
  stsPreload: boolean;
  forceSTSHeader: boolean;
  frameDeny: boolean;
  customFrameOptionsValue: string;
  contentTypeNosniff: boolean;
  browserXssFilter: boolean;
  customBrowserXSSValue: string;
  contentSecurityPolicy: string;
  contentSecurityPolicyReportOnly: string;
  publicKey: string;
  referrerPolicy: string;
  featurePolicy: string;
  permissionsPolicy: string;
  isDevelopment: boolean;
}

export function readHeadersOptions(o: OptionReader): HeadersOptions {
  const headerMap = (key: string) => {
    const map = o.stringMap(key);
    for (const [name, value] of Object.entries(map)) checkHeader(o, `${key}.${name}`, name, value || "x");
    return map;
  };
  const headerNames = (key: string) => {
    const names = o.stringList(key);
    names.forEach((name, i) => checkHeader(o, `${key}[${i}]`, name, "x"));
    return names;
  };
  const text = (key: string) => {
    const v = o.string(key) ?? "";
    if (v !== "") checkHeader(o, key, "x-check", v);
    return v;
  };

  const originList = o.stringList("accessControlAllowOriginList");
  const legacyOrigin = o.string("accessControlAllowOrigin");
  if (legacyOrigin) {
    o.warn("accessControlAllowOrigin", "is deprecated (removed in Traefik v3): use accessControlAllowOriginList; applied as one more entry of it");
    originList.push(legacyOrigin);
  }

  const opts: HeadersOptions = {
    customRequestHeaders: headerMap("customRequestHeaders"),
    customResponseHeaders: headerMap("customResponseHeaders"),
    accessControlAllowCredentials: o.bool("accessControlAllowCredentials"),
    accessControlAllowHeaders: headerNames("accessControlAllowHeaders"),
    accessControlAllowMethods: o.stringList("accessControlAllowMethods"),
    accessControlAllowOriginList: originList,
    accessControlAllowOriginListRegex: originRegexes(o),
    accessControlExposeHeaders: headerNames("accessControlExposeHeaders"),
    accessControlMaxAge: o.number("accessControlMaxAge", { integer: true }) ?? 0,
    addVaryHeader: o.bool("addVaryHeader"),
    allowedHosts: o.stringList("allowedHosts"),
    hostsProxyHeaders: headerNames("hostsProxyHeaders"),
    sslProxyHeaders: headerMap("sslProxyHeaders"),
    sslRedirect: deprecatedBool(o, "sslRedirect"),
    sslTemporaryRedirect: deprecatedBool(o, "sslTemporaryRedirect"),
    sslHost: o.string("sslHost") ?? "",
    sslForceHost: deprecatedBool(o, "sslForceHost"),
    stsSeconds: o.number("stsSeconds", { integer: true, min: 0 }) ?? 0,
    stsIncludeSubdomains: o.bool("stsIncludeSubdomains"),
    stsPreload: o.bool("stsPreload"),
    forceSTSHeader: o.bool("forceSTSHeader"),
    frameDeny: o.bool("frameDeny"),
    customFrameOptionsValue: text("customFrameOptionsValue"),
    contentTypeNosniff: o.bool("contentTypeNosniff"),
    browserXssFilter: o.bool("browserXssFilter"),
    customBrowserXSSValue: text("customBrowserXSSValue"),
    contentSecurityPolicy: text("contentSecurityPolicy"),
    contentSecurityPolicyReportOnly: text("contentSecurityPolicyReportOnly"),
    publicKey: text("publicKey"),
    referrerPolicy: text("referrerPolicy"),
    featurePolicy: text("featurePolicy"),
    permissionsPolicy: text("permissionsPolicy"),
    isDevelopment: o.bool("isDevelopment"),
  };
  if (opts.sslHost) o.warn("sslHost", "is deprecated (removed in Traefik v3): use a redirectScheme middleware");
  if (opts.featurePolicy) o.warn("featurePolicy", "is deprecated: browsers replaced Feature-Policy with Permissions-Policy (permissionsPolicy)");
  if (opts.stsSeconds === 0) {
    for (const key of ["stsIncludeSubdomains", "stsPreload", "forceSTSHeader"] as const) {
      if (opts[key]) o.warn(key, "has no effect without stsSeconds");
    }
  }
  if (opts.accessControlAllowCredentials && opts.accessControlAllowOriginList.includes("*")) {
    o.warn("accessControlAllowCredentials", 'browsers refuse credentials when Access-Control-Allow-Origin is "*"');
  }
  return opts;
}

/** Traefik compiles these with Go's regexp (unanchored); a leading (?i) becomes the i flag. */
function originRegexes(o: OptionReader): RegExp[] {
  const out: RegExp[] = [];
  o.stringList("accessControlAllowOriginListRegex").forEach((src, i) => {
    const insensitive = src.startsWith("(?i)");
    try {
      out.push(new RegExp(insensitive ? src.slice(4) : src, insensitive ? "i" : ""));
    } catch (e) {
      o.error(`accessControlAllowOriginListRegex[${i}]`, `invalid regular expression: ${(e as Error).message}`);
    }
  });
  return out;
}

function deprecatedBool(o: OptionReader, key: string): boolean {
  const v = o.bool(key);
  if (v) o.warn(key, "is deprecated (removed in Traefik v3): use a redirectScheme middleware");
  return v;
}

function checkHeader(o: OptionReader, path: string, name: string, value: string): void {
  try {
    new Headers().set(name, value);
  } catch {
    const what = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) ? `invalid header value ${JSON.stringify(value)}` : `invalid header name ${JSON.stringify(name)}`;
    o.error(path, what);
  }
}
