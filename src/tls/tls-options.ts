import { constants } from "node:crypto";
import { OptionReader } from "../middlewares/options.ts";
import type { OptionProblem } from "../middlewares/registry.ts";
import { readPem } from "./pem-source.ts";

// Traefik's tls.options.<name> mapped onto what Bun's TLS server can do.
// Protocol versions and cipher suites are per listener in Bun (BoringSSL
// negotiates them before SNI picks a context), while client authentication
// follows the SNI entry, so it can differ per host.

export interface CompiledTlsOptions {
  /** Listener-wide: protocol versions as OpenSSL "no TLSvX" bits (and no session tickets), cipher list. */
  secureOptions: number;
  ciphers?: string;
  /** Listener-wide: key exchange groups in OpenSSL's spelling, in preference order (node's ecdhCurve). */
  ecdhCurve?: string;
  sniStrict: boolean;
  /** false when alpnProtocols leaves out h2. */
  http2: boolean;
  /** Per SNI entry: client certificate policy. */
  clientAuth?: { type: ClientAuthType; ca: string[]; requestCert: boolean; rejectUnauthorized: boolean };
  /** Stable text of what the listener depends on, to tell whether a swap is needed. */
  fingerprint: string;
}

const VERSIONS = ["VersionTLS10", "VersionTLS11", "VersionTLS12", "VersionTLS13"] as const;
const NO_VERSION_BIT = [constants.SSL_OP_NO_TLSv1, constants.SSL_OP_NO_TLSv1_1, constants.SSL_OP_NO_TLSv1_2, constants.SSL_OP_NO_TLSv1_3];

// Go's names (what Traefik configs carry) to OpenSSL's, for TLS 1.0-1.2.
// TLS 1.3 suites are not configurable in Go either; they are accepted and always on.
const CIPHERS: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "ECDHE-ECDSA-AES128-GCM-SHA256",
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: "ECDHE-RSA-AES128-GCM-SHA256",
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: "ECDHE-ECDSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: "ECDHE-RSA-AES256-GCM-SHA384",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: "ECDHE-ECDSA-CHACHA20-POLY1305",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: "ECDHE-ECDSA-AES128-SHA",
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: "ECDHE-RSA-AES128-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: "ECDHE-ECDSA-AES256-SHA",
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: "ECDHE-RSA-AES256-SHA",
  TLS_RSA_WITH_AES_128_GCM_SHA256: "AES128-GCM-SHA256",
  TLS_RSA_WITH_AES_256_GCM_SHA384: "AES256-GCM-SHA384",
  TLS_RSA_WITH_AES_128_CBC_SHA: "AES128-SHA",
  TLS_RSA_WITH_AES_256_CBC_SHA: "AES256-SHA",
};
// Traefik's curve names (Go's constant names and the RFC names it also takes) to OpenSSL's group names.
const CURVES: Record<string, string> = {
  CurveP256: "P-256",
  secp256r1: "P-256",
  CurveP384: "P-384",
  secp384r1: "P-384",
  CurveP521: "P-521",
  secp521r1: "P-521",
  X25519: "X25519",
  x25519: "X25519",
  X25519MLKEM768: "X25519MLKEM768",
};

const TLS13_SUITES = new Set(["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]);

const CLIENT_AUTH_TYPES = ["NoClientCert", "RequestClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

export function compileTlsOptions(raw: Record<string, unknown>): { options?: CompiledTlsOptions; problems: OptionProblem[] } {
  const o = new OptionReader(raw);
  const min = version(o, "minVersion", "VersionTLS12");
  const max = version(o, "maxVersion", "VersionTLS13");
  if (min > max) o.error("maxVersion", `is lower than minVersion`);
  let secureOptions = 0;
  for (let v = 0; v < VERSIONS.length; v++) if (v < min || v > max) secureOptions |= NO_VERSION_BIT[v];

  const suites = o.stringList("cipherSuites");
  const openssl: string[] = [];
  suites.forEach((s, i) => {
    if (TLS13_SUITES.has(s)) return;
    const name = CIPHERS[s];
    if (name) openssl.push(name);
    else o.error(`cipherSuites[${i}]`, `unknown cipher suite ${JSON.stringify(s)}`);
  });
  const groups: string[] = [];
  o.stringList("curvePreferences").forEach((c, i) => {
    const name = CURVES[c];
    if (!name) o.error(`curvePreferences[${i}]`, `unknown curve ${JSON.stringify(c)}; expected one of ${Object.keys(CURVES).join(", ")}`);
    else if (!groups.includes(name)) groups.push(name);
  });
  const alpn = o.stringList("alpnProtocols");
  const sniStrict = o.bool("sniStrict");
  o.value("preferServerCipherSuites"); // deprecated in Traefik, no effect there either
  // No session tickets: resumption needs a full handshake again (TLS 1.2 and 1.3 alike).
  if (o.bool("disableSessionTickets")) secureOptions |= constants.SSL_OP_NO_TICKET;

  const auth = o.section("clientAuth");
  const caFiles = auth.stringList("caFiles");
  const type = auth.string("clientAuthType") ?? (caFiles.length > 0 ? "RequireAndVerifyClientCert" : "NoClientCert");
  if (!(CLIENT_AUTH_TYPES as readonly string[]).includes(type)) auth.error("clientAuthType", `expected one of ${CLIENT_AUTH_TYPES.join(", ")}, got ${JSON.stringify(type)}`);
  auth.finish();
  const ca: string[] = [];
  caFiles.forEach((f, i) => {
    try {
      ca.push(readPem(f, "caFile"));
    } catch (e) {
      auth.error(`caFiles[${i}]`, (e as Error).message);
    }
  });
  const verifies = type === "VerifyClientCertIfGiven" || type === "RequireAndVerifyClientCert";
  if (verifies && ca.length === 0 && !o.hasErrors()) auth.error("caFiles", `${type} needs at least one CA file`);
  o.finish();
  if (o.hasErrors()) return { problems: o.problems };

  const clientAuth = type === "NoClientCert" ? undefined : {
    type: type as ClientAuthType,
    ca,
    requestCert: true,
    // Bun has one switch: verify and refuse, or accept whatever comes.
    rejectUnauthorized: type === "RequireAndVerifyClientCert",
  };
  const http2 = alpn.length === 0 || alpn.includes("h2");
  const ciphers = openssl.length > 0 ? openssl.join(":") : undefined;
  const ecdhCurve = groups.length > 0 ? groups.join(":") : undefined;
  const fingerprint = JSON.stringify([secureOptions, ciphers ?? "", ecdhCurve ?? "", sniStrict, http2, clientAuth ? [clientAuth.rejectUnauthorized, ca] : null]);
  return { options: { secureOptions, ciphers, ecdhCurve, sniStrict, http2, clientAuth, fingerprint }, problems: o.problems };
}

function version(o: OptionReader, key: string, fallback: (typeof VERSIONS)[number]): number {
  const v = o.string(key) ?? fallback;
  const i = VERSIONS.indexOf(v as (typeof VERSIONS)[number]);
  if (i < 0) o.error(key, `expected one of ${VERSIONS.join(", ")}, got ${JSON.stringify(v)}`);
  return i < 0 ? VERSIONS.indexOf(fallback) : i;
}
