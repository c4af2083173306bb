import { readFileSync } from "node:fs";
import type { OptionReader } from "../options.ts";

// forwardAuth options, validated once at build time. TLS material may be a
// file path or inline PEM, as Traefik's ClientTLS accepts both.

export interface AuthTls {
  ca?: string;
  cert?: string;
  key?: string;
  insecureSkipVerify: boolean;
}

export interface ForwardAuthConfig {
  address: URL;
  trustForwardHeader: boolean;
  authResponseHeaders: string[];
  authResponseHeadersRegex?: RegExp;
  authRequestHeaders: string[];
  tls: AuthTls;
  addAuthCookiesToResponse: Set<string>;
  forwardBody: boolean;
  /** Bytes; -1 = no limit (Traefik's default). */
  maxBodySize: number;
  preserveLocationHeader: boolean;
  preserveRequestMethod: boolean;
  /** Auth response header whose value becomes the access log's ClientUsername. */
  headerField?: string;
}

export function readForwardAuthOptions(o: OptionReader): ForwardAuthConfig | undefined {
  const rawAddress = o.string("address", { required: true });
  let address: URL | undefined;
  if (rawAddress !== undefined) {
    try {
      address = new URL(rawAddress);
      if (address.protocol !== "http:" && address.protocol !== "https:") throw new Error("scheme");
    } catch {
      o.error("address", `expected an http:// or https:// URL, got ${JSON.stringify(rawAddress)}`);
      address = undefined;
    }
  }
  const cfg = {
    trustForwardHeader: o.bool("trustForwardHeader"),
    authResponseHeaders: o.stringList("authResponseHeaders"),
    authResponseHeadersRegex: readRegex(o, "authResponseHeadersRegex"),
    authRequestHeaders: o.stringList("authRequestHeaders"),
    tls: readTls(o.section("tls")),
    addAuthCookiesToResponse: new Set(o.stringList("addAuthCookiesToResponse")),
    forwardBody: o.bool("forwardBody"),
    maxBodySize: o.number("maxBodySize", { integer: true, min: -1 }) ?? -1,
    preserveLocationHeader: o.bool("preserveLocationHeader"),
    preserveRequestMethod: o.bool("preserveRequestMethod"),
    headerField: o.string("headerField") || undefined,
  };
  if (o.has("maxBodySize") && !cfg.forwardBody) o.warn("maxBodySize", "has no effect without forwardBody: true");
  if (!address || o.hasErrors()) return undefined;
  return { address, ...cfg };
}

/** Go's regexp syntax is close to JavaScript's; a leading (?i) becomes the i flag. */
function readRegex(o: OptionReader, key: string): RegExp | undefined {
  const source = o.string(key);
  if (!source) return undefined;
  const insensitive = source.startsWith("(?i)");
  try {
    return new RegExp(insensitive ? source.slice(4) : source, insensitive ? "i" : "");
  } catch (err) {
    o.error(key, `invalid regular expression: ${(err as Error).message}`);
    return undefined;
  }
}

function readTls(t: OptionReader): AuthTls {
  const pem = (key: string): string | undefined => {
    const v = t.string(key);
    if (!v) return undefined;
    if (v.includes("-----BEGIN")) return v;
    try {
      return readFileSync(v, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      t.error(key, `cannot read ${JSON.stringify(v)}${code ? ` (${code})` : ""}`);
      return undefined;
    }
  };
  const tls: AuthTls = { ca: pem("ca"), cert: pem("cert"), key: pem("key"), insecureSkipVerify: t.bool("insecureSkipVerify") };
  if (t.has("caOptional")) {
    t.value("caOptional");
    t.warn("caOptional", "is deprecated and ignored (client certificate checking is a server-side setting)");
  }
  if (t.has("cert") !== t.has("key")) t.error(t.has("cert") ? "key" : "cert", "cert and key must be set together");
  t.finish();
  return tls;
}
