// Traefik's acme.json (v2.3+): one object per resolver with its account and
// certificates; certificate and key are base64 of PEM bytes, the account key
// base64 of a PKCS#1 DER RSA key (Go's []byte in JSON).
import type { DomainSet } from "./types.ts";

export interface TraefikAccount {
  Email: string;
  Registration?: { body?: Record<string, unknown>; uri?: string } | null;
  PrivateKey: string;
  KeyType?: string;
}

export interface TraefikCertificate {
  domain: { main: string; sans?: string[] };
  certificate: string;
  key: string;
  Store?: string;
}

export interface TraefikResolverSection {
  Account?: TraefikAccount | null;
  Certificates?: unknown[] | null;
}

/** A certificate read from the file; `raw` is written back untouched. */
export interface StoredCertificate {
  domains: DomainSet;
  certPem: string;
  keyPem: string;
  store: string;
}

export type ParsedEntry = { ok: true; cert: StoredCertificate } | { ok: false; raw: unknown; reason: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

export function parseCertificateEntry(v: unknown): ParsedEntry {
  if (!isObject(v)) return { ok: false, raw: v, reason: "not an object" };
  const dom = v.domain ?? v.Domain;
  if (!isObject(dom) || typeof dom.main !== "string") return { ok: false, raw: v, reason: "no domain.main" };
  const sans = Array.isArray(dom.sans) ? dom.sans.filter((s): s is string => typeof s === "string") : [];
  const cert = v.certificate ?? v.Certificate;
  const key = v.key ?? v.Key;
  if (typeof cert !== "string" || typeof key !== "string") return { ok: false, raw: v, reason: `no certificate/key for ${dom.main}` };
  const certPem = b64(cert);
  const keyPem = b64(key);
  if (!certPem.includes("-----BEGIN CERTIFICATE-----")) return { ok: false, raw: v, reason: `certificate for ${dom.main} is not base64 PEM` };
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyPem)) return { ok: false, raw: v, reason: `key for ${dom.main} is not base64 PEM` };
  const store = typeof v.Store === "string" && v.Store ? v.Store : "default";
  return { ok: true, cert: { domains: { main: dom.main, sans }, certPem, keyPem, store } };
}

export function serializeCertificate(c: StoredCertificate): TraefikCertificate {
  const domain: TraefikCertificate["domain"] = { main: c.domains.main };
  if (c.domains.sans.length) domain.sans = [...c.domains.sans];
  return {
    domain,
    certificate: Buffer.from(c.certPem).toString("base64"),
    key: Buffer.from(c.keyPem).toString("base64"),
    Store: c.store,
  };
}

export function parseAccount(v: unknown): TraefikAccount | undefined {
  if (!isObject(v) || typeof v.PrivateKey !== "string" || !v.PrivateKey) return undefined;
  const reg = isObject(v.Registration) ? (v.Registration as TraefikAccount["Registration"]) : null;
  return {
    Email: typeof v.Email === "string" ? v.Email : "",
    Registration: reg,
    PrivateKey: v.PrivateKey,
    KeyType: typeof v.KeyType === "string" ? v.KeyType : undefined,
  };
}

/** Parses the whole file; throws with a readable message when it is not Traefik's layout. */
export function parseAcmeFile(text: string): Record<string, TraefikResolverSection> {
  if (text.trim() === "") return {};
  const data: unknown = JSON.parse(text);
  if (!isObject(data)) throw new Error("top level is not a JSON object of resolvers");
  for (const [name, section] of Object.entries(data)) {
    if (section === null) continue;
    if (!isObject(section)) throw new Error(`resolver "${name}" is not an object`);
    if (section.Certificates != null && !Array.isArray(section.Certificates)) {
      throw new Error(`resolver "${name}": Certificates is not a list`);
    }
  }
  return data as Record<string, TraefikResolverSection>;
}

/** lego's names for key types, as Traefik writes them in Account.KeyType. */
export const LEGO_KEY_TYPES: Record<string, string> = {
  EC256: "P256",
  EC384: "P384",
  RSA2048: "2048",
  RSA4096: "4096",
  RSA8192: "8192",
};
