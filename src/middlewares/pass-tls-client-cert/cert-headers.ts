import type { DetailedPeerCertificate } from "node:tls";
import { certFields, type CertFields, type NameAttribute } from "./x509-fields.ts";

// What passTLSClientCert puts in its two headers, in Traefik's format
// (pkg/middlewares/passtlsclientcert, v2.9.4+ and v3):
// - X-Forwarded-Tls-Client-Cert: each certificate's base64 DER (the PEM
//   without its BEGIN/END lines and newlines; not URL-escaped since v2.9.4),
//   joined by ",".
// - X-Forwarded-Tls-Client-Cert-Info: per certificate, the chosen fields as
//   Subject="...";Issuer="...";SerialNumber="...";NB="...";NA="...";SAN="..."
//   (empty ones left out), certificates joined by ",", the whole string
//   escaped as Go's url.QueryEscape does.
// A name lists DC, C, ST, L, O, OU (subject only), SN, CN, in that order,
// each as "K=V" joined by ","; C/ST/L/O/OU/DC repeat per value, SN and CN
// keep the last value (Go's pkix.Name).

export interface NameOptions {
  country: boolean;
  province: boolean;
  locality: boolean;
  organization: boolean;
  /** Subject only: Traefik's issuer options have no organizationalUnit. */
  organizationalUnit: boolean;
  commonName: boolean;
  serialNumber: boolean;
  domainComponent: boolean;
}

export interface InfoOptions {
  notAfter: boolean;
  notBefore: boolean;
  sans: boolean;
  serialNumber: boolean;
  /** null when the block is absent: no Subject field at all. */
  subject: NameOptions | null;
  issuer: NameOptions | null;
}

const OID = {
  country: "2.5.4.6",
  province: "2.5.4.8",
  locality: "2.5.4.7",
  organization: "2.5.4.10",
  organizationalUnit: "2.5.4.11",
  commonName: "2.5.4.3",
  serialNumber: "2.5.4.5",
  domainComponent: "0.9.2342.19200300.100.1.25",
} as const;

/** [option, key, every value (true) or only the last (false)] in Traefik's output order. */
const NAME_PARTS: [keyof NameOptions, string, boolean][] = [
  ["domainComponent", "DC", true],
  ["country", "C", true],
  ["province", "ST", true],
  ["locality", "L", true],
  ["organization", "O", true],
  ["organizationalUnit", "OU", true],
  ["serialNumber", "SN", false],
  ["commonName", "CN", false],
];

export function nameString(attrs: NameAttribute[], opts: NameOptions): string {
  const parts: string[] = [];
  for (const [option, key, every] of NAME_PARTS) {
    if (!opts[option]) continue;
    const values = attrs.filter((a) => a.oid === OID[option]).map((a) => a.value);
    // Go skips empty values; a single-valued field keeps the last one.
    const chosen = every ? values : values.slice(-1);
    for (const v of chosen) if (v !== "") parts.push(`${key}=${v}`);
  }
  return parts.join(",");
}

export function certInfo(c: CertFields, opts: InfoOptions): string {
  const fields: string[] = [];
  const subject = opts.subject ? nameString(c.subject, opts.subject) : "";
  if (subject !== "") fields.push(`Subject="${subject}"`);
  const issuer = opts.issuer ? nameString(c.issuer, opts.issuer) : "";
  if (issuer !== "") fields.push(`Issuer="${issuer}"`);
  if (opts.serialNumber) fields.push(`SerialNumber="${c.serialNumber}"`);
  // Go prints uint64(Unix()): a date before 1970 wraps around.
  if (opts.notBefore) fields.push(`NB="${BigInt.asUintN(64, BigInt(c.notBefore))}"`);
  if (opts.notAfter) fields.push(`NA="${BigInt.asUintN(64, BigInt(c.notAfter))}"`);
  if (opts.sans) {
    const sans = [...c.dnsNames, ...c.emailAddresses, ...c.ipAddresses, ...c.uris];
    if (sans.length > 0) fields.push(`SAN="${sans.join(",")}"`);
  }
  return fields.join(";");
}

/** Bytes Go's url.QueryEscape leaves as they are: A-Z a-z 0-9 - _ . ~ */
function unreserved(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x5f || b === 0x2e || b === 0x7e;
}

/** Go's url.QueryEscape: bytes of the UTF-8 form, space as "+", upper-case hex. */
export function queryEscape(s: string): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    if (unreserved(b)) out += String.fromCharCode(b);
    else if (b === 0x20) out += "+";
    else out += `%${b < 16 ? "0" : ""}${b.toString(16).toUpperCase()}`;
  }
  return out;
}

/**
 * The certificates the client sent, leaf first. node:tls (and Bun's) chain
 * goes on through the trust store up to a self-signed root whose issuer is
 * itself; Go's PeerCertificates hold only what the client sent, which is
 * almost never the root. So a self-signed last certificate is left out,
 * unless it is the leaf itself. Bounded, and safe against cycles.
 */
export function sentChain(leaf: DetailedPeerCertificate): DetailedPeerCertificate[] {
  const chain: DetailedPeerCertificate[] = [leaf];
  let cur = leaf;
  let rootLoop = false;
  while (chain.length < 16) {
    const next = cur.issuerCertificate as DetailedPeerCertificate | undefined;
    if (!next || !next.raw || next.raw.length === 0) break;
    if (next === cur) {
      rootLoop = true;
      break;
    }
    if (chain.includes(next)) break;
    chain.push(next);
    cur = next;
  }
  if (rootLoop && chain.length > 1) chain.pop();
  return chain;
}

/** What one connection's certificate chain gives, per header (null when that header is off). */
export interface CertHeaderValues {
  pem: string | null;
  info: string | null;
}

/**
 * The header values for a chain. A certificate Sluice cannot read leaves the
 * info out (Go's TLS stack would have refused it); the PEM still goes.
 */
export function certHeaderValues(leaf: DetailedPeerCertificate, pem: boolean, info: InfoOptions | null): CertHeaderValues {
  const chain = sentChain(leaf);
  let infoValue: string | null = null;
  if (info) {
    try {
      infoValue = queryEscape(chain.map((c) => certInfo(certFields(c.raw), info)).join(","));
    } catch {
      infoValue = null;
    }
  }
  return {
    pem: pem ? chain.map((c) => Buffer.from(c.raw).toString("base64")).join(",") : null,
    info: infoValue,
  };
}
