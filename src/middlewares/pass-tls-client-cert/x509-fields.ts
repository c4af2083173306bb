// The few fields of an X.509 certificate that passTLSClientCert reports,
// read straight from its DER bytes. Node's parsed forms (subject objects,
// the "DNS:a, IP Address:b" string, hex serials, "Jan  1 ..." dates) lose
// the attribute order and the SAN grouping Go works with, so the DER is
// read here, the way Go's crypto/x509 sees it: string values decoded by
// their ASN.1 type, SANs grouped DNS, email, IP, URI, serial in decimal.

/** One attribute of a distinguished name, in certificate order. */
export interface NameAttribute {
  /** Dotted OID, e.g. "2.5.4.3" for CN. */
  oid: string;
  value: string;
}

export interface CertFields {
  /** Decimal, signed (Go's big.Int String). */
  serialNumber: string;
  /** Unix seconds. */
  notBefore: number;
  notAfter: number;
  subject: NameAttribute[];
  issuer: NameAttribute[];
  dnsNames: string[];
  emailAddresses: string[];
  /** As Go's net.IP.String prints them. */
  ipAddresses: string[];
  uris: string[];
}

interface Tlv {
  tag: number;
  /** First content byte. */
  start: number;
  /** One past the last content byte. */
  end: number;
}

function tlv(der: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new Error("truncated DER");
  const tag = der[pos];
  let len = der[pos + 1];
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new Error("bad DER length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new Error("truncated DER");
  return { tag, start, end };
}

function expect(t: Tlv, tag: number, what: string): Tlv {
  if (t.tag !== tag) throw new Error(`expected ${what}`);
  return t;
}

/** The TLVs directly inside a constructed value. */
function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.start; p < parent.end; ) {
    const t = tlv(der, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

function oidOf(der: Uint8Array, t: Tlv): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    v = v * 128 + (der[i] & 0x7f);
    if (der[i] & 0x80) continue;
    if (parts.length === 0) parts.push(v < 40 ? 0 : v < 80 ? 1 : 2, v < 80 ? v % 40 : v - 80);
    else parts.push(v);
    v = 0;
  }
  return parts.join(".");
}

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8");

/** A string value by its ASN.1 type, or null for a type Go does not read as a string. */
function stringOf(der: Uint8Array, t: Tlv): string | null {
  const bytes = der.subarray(t.start, t.end);
  switch (t.tag) {
    case 0x0c: // UTF8String
      return utf8.decode(bytes);
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x14: // T61String (Go keeps the bytes)
    case 0x16: // IA5String
    case 0x1a: // VisibleString
      return latin1.decode(bytes);
    case 0x1e: {
      // BMPString: UTF-16 big-endian
      let s = "";
      for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
      return s;
    }
    default:
      return null;
  }
}

function nameOf(der: Uint8Array, name: Tlv): NameAttribute[] {
  const out: NameAttribute[] = [];
  for (const rdn of children(der, expect(name, 0x30, "a Name"))) {
    for (const atv of children(der, rdn)) {
      const [type, value] = children(der, atv);
      if (!type || !value || type.tag !== 0x06) continue;
      const s = stringOf(der, value);
      if (s !== null) out.push({ oid: oidOf(der, type), value: s });
    }
  }
  return out;
}

function digits(s: string, from: number, n: number): number {
  const v = Number(s.slice(from, from + n));
  if (!Number.isInteger(v) || s.length < from + n) throw new Error("bad time");
  return v;
}

/** UTCTime (YYMMDDHHMM[SS]) or GeneralizedTime (YYYYMMDDHHMMSS), then Z or ±HHMM, as Unix seconds. */
function timeOf(der: Uint8Array, t: Tlv): number {
  const s = latin1.decode(der.subarray(t.start, t.end));
  let year: number;
  let p: number;
  if (t.tag === 0x17) {
    const yy = digits(s, 0, 2);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    p = 2;
  } else if (t.tag === 0x18) {
    year = digits(s, 0, 4);
    p = 4;
  } else throw new Error("expected a Time");
  const month = digits(s, p, 2);
  const day = digits(s, p + 2, 2);
  const hour = digits(s, p + 4, 2);
  const minute = digits(s, p + 6, 2);
  p += 8;
  let second = 0;
  if (/^\d\d/.test(s.slice(p))) {
    second = digits(s, p, 2);
    p += 2;
  }
  let offset = 0;
  if (s[p] === "+" || s[p] === "-") offset = (s[p] === "-" ? -1 : 1) * (digits(s, p + 1, 2) * 3600 + digits(s, p + 3, 2) * 60);
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000 - offset;
}

function integerOf(der: Uint8Array, t: Tlv): string {
  if (t.end === t.start) return "0";
  let v = 0n;
  for (let i = t.start; i < t.end; i++) v = (v << 8n) | BigInt(der[i]);
  if (der[t.start] & 0x80) v -= 1n << BigInt(8 * (t.end - t.start));
  return v.toString();
}

/** IPv4 dotted (also for IPv4-mapped IPv6), IPv6 with the first longest zero run (2+ groups) as "::". */
export function ipString(b: Uint8Array): string | null {
  if (b.length === 4) return b.join(".");
  if (b.length !== 16) return null;
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (mapped) return Array.from(b.subarray(12)).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(":");
  return bestAt < 0 ? hex(0, 8) : `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

const SAN_OID = "2.5.29.17";

function addSans(der: Uint8Array, names: Tlv, into: CertFields): void {
  for (const gn of children(der, expect(names, 0x30, "GeneralNames"))) {
    const bytes = der.subarray(gn.start, gn.end);
    if (gn.tag === 0x82) into.dnsNames.push(latin1.decode(bytes));
    else if (gn.tag === 0x81) into.emailAddresses.push(latin1.decode(bytes));
    else if (gn.tag === 0x86) into.uris.push(latin1.decode(bytes));
    else if (gn.tag === 0x87) {
      const ip = ipString(bytes);
      if (ip !== null) into.ipAddresses.push(ip);
    }
  }
}

/** Reads the reported fields of a DER certificate; throws on malformed input. */
export function certFields(der: Uint8Array): CertFields {
  const cert = expect(tlv(der, 0, der.length), 0x30, "a Certificate");
  const tbs = expect(tlv(der, cert.start, cert.end), 0x30, "a TBSCertificate");
  const parts = children(der, tbs);
  let i = parts[0]?.tag === 0xa0 ? 1 : 0; // explicit version
  const serial = expect(parts[i++], 0x02, "a serial number");
  i++; // signature algorithm
  const issuer = parts[i++];
  const validity = children(der, expect(parts[i++], 0x30, "a Validity"));
  const subject = parts[i++];
  if (!issuer || !subject || validity.length !== 2) throw new Error("truncated TBSCertificate");
  const fields: CertFields = {
    serialNumber: integerOf(der, serial),
    notBefore: timeOf(der, validity[0]),
    notAfter: timeOf(der, validity[1]),
    subject: nameOf(der, subject),
    issuer: nameOf(der, issuer),
    dnsNames: [],
    emailAddresses: [],
    ipAddresses: [],
    uris: [],
  };
  const extensions = parts.slice(i + 1).find((t) => t.tag === 0xa3);
  if (extensions) {
    for (const ext of children(der, expect(tlv(der, extensions.start, extensions.end), 0x30, "Extensions"))) {
      const items = children(der, ext);
      if (items[0]?.tag !== 0x06 || oidOf(der, items[0]) !== SAN_OID) continue;
      const octets = items[items.length - 1];
      if (octets.tag === 0x04) addSans(der, tlv(der, octets.start, octets.end), fields);
    }
  }
  return fields;
}
