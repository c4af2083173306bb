import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

// RFC 7616 (RFC 2617) Digest with MD5 and qop=auth, the variant Traefik's
// go-http-auth speaks. Nonces are signed instead of stored: the nonce carries
// its expiry and an HMAC of it, so any worker or replica holding the same key
// accepts it and no per-nonce table grows. The price: the nonce count (nc) is
// not tracked, so a captured request can be replayed until its nonce expires.

export const md5 = (s: string): string => createHash("md5").update(s, "utf8").digest("hex");

/** The key=value pairs of a `Digest ...` Authorization header, or null when it is not one. */
export function parseDigestParams(header: string | null): Map<string, string> | null {
  if (!header) return null;
  const m = /^digest\s+/i.exec(header);
  if (!m) return null;
  const params = new Map<string, string>();
  const s = header.slice(m[0].length);
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (s[i] === " " || s[i] === "," || s[i] === "\t")) i++;
    const eq = s.indexOf("=", i);
    if (eq < 0) break;
    const key = s.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (s[i] === " ") i++;
    let value = "";
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === "\\" && i + 1 < s.length) i++;
        value += s[i++];
      }
      if (s[i] !== '"') return null; // unterminated quoted string
      i++;
    } else {
      const end = s.indexOf(",", i);
      value = s.slice(i, end < 0 ? s.length : end).trim();
      i = end < 0 ? s.length : end;
    }
    if (key) params.set(key, value);
  }
  return params;
}

export type NonceState = "valid" | "expired" | "invalid";

/** Issues and checks self-contained nonces: `<expiry base36>.<random>.<hmac>`. */
export class NonceSigner {
  constructor(
    private readonly key: Buffer,
    readonly lifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(): string {
    const body = `${(this.now() + this.lifetimeMs).toString(36)}.${randomBytes(12).toString("base64url")}`;
    return `${body}.${this.sign(body)}`;
  }

  check(nonce: string): NonceState {
    const dot = nonce.lastIndexOf(".");
    if (dot <= 0) return "invalid";
    const body = nonce.slice(0, dot);
    const mac = Buffer.from(nonce.slice(dot + 1));
    const want = Buffer.from(this.sign(body));
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return "invalid";
    const expiry = parseInt(body.slice(0, body.indexOf(".")), 36);
    return Number.isFinite(expiry) && expiry > this.now() ? "valid" : "expired";
  }

  private sign(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("base64url");
  }
}

export interface DigestInput {
  ha1: string;
  method: string;
  uri: string;
  nonce: string;
  nc: string;
  cnonce: string;
  qop: string;
}

/** The expected `response` value for qop=auth. */
export function expectedResponse(d: DigestInput): string {
  const ha2 = md5(`${d.method}:${d.uri}`);
  return md5(`${d.ha1}:${d.nonce}:${d.nc}:${d.cnonce}:${d.qop}:${ha2}`);
}

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}
