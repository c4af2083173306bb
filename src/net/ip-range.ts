// IPv4/IPv6 addresses and CIDR ranges as 128-bit numbers, for trust lists
// (forwardedHeaders.trustedIPs) and allow lists. IPv4 is mapped into
// ::ffff:0:0/96 so "10.0.0.1" and "::ffff:10.0.0.1" compare equal.

export interface IpRange {
  readonly base: bigint;
  readonly mask: bigint;
  readonly text: string;
}

const V4_MAPPED = 0xffffn << 32n;
const ALL_ONES = (1n << 128n) - 1n;

export function parseIp(text: string): bigint | null {
  let s = text.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (s.includes(":")) return parseV6(s);
  const v4 = parseV4(s);
  return v4 === null ? null : V4_MAPPED | v4;
}

function parseV4(s: string): bigint | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseV6(s: string): bigint | null {
  // A trailing dotted IPv4 part ("::ffff:1.2.3.4") counts as two groups.
  let tail: bigint | null = null;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tail = parseV4(s.slice(lastColon + 1));
    if (tail === null) return null;
    s = s.slice(0, lastColon + 1) + "0:0";
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail !== null) n = (n & ~0xffffffffn) | tail;
  return n;
}

/** "10.0.0.0/8", "::1/128", or a bare address (a /32 or /128). */
export function parseRange(text: string): IpRange | null {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = parseIp(addrText);
  if (addr === null) return null;
  const isV4 = !addrText.includes(":");
  const maxBits = isV4 ? 32 : 128;
  const bits = slash < 0 ? maxBits : Number(text.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > maxBits) return null;
  const prefix = isV4 ? 96 + bits : bits;
  const mask = prefix === 0 ? 0n : (ALL_ONES << BigInt(128 - prefix)) & ALL_ONES;
  return { base: addr & mask, mask, text };
}

export class IpRangeList {
  private readonly ranges: IpRange[];
  private readonly cache = new Map<string, boolean>();

  constructor(ranges: IpRange[]) {
    this.ranges = ranges;
  }

  static parse(texts: readonly string[]): { list: IpRangeList; invalid: string[] } {
    const ranges: IpRange[] = [];
    const invalid: string[] = [];
    for (const t of texts) {
      const r = parseRange(t);
      if (r) ranges.push(r);
      else invalid.push(t);
    }
    return { list: new IpRangeList(ranges), invalid };
  }

  get empty(): boolean {
    return this.ranges.length === 0;
  }

  contains(ip: string): boolean {
    if (this.ranges.length === 0) return false;
    // Peers repeat; the cache keeps BigInt parsing off the hot path. Bounded.
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit;
    const n = parseIp(ip);
    const result = n !== null && this.ranges.some((r) => (n & r.mask) === r.base);
    if (this.cache.size > 4096) this.cache.clear();
    this.cache.set(ip, result);
    return result;
  }
}
