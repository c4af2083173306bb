import { isTrusted } from "../../server/forwarded-headers.ts";
import { IpRangeList, parseIp } from "../../net/ip-range.ts";
import type { ConnInfo } from "../../server/handler.ts";
import type { HeaderList } from "../../server/raw/http1-head.ts";
import type { OptionReader } from "../options.ts";
import { getHeader } from "../raw-view.ts";

// Traefik's ipStrategy: which address counts as "the client" for ipAllowList,
// rateLimit and inFlightReq.
// - depth N: the Nth entry from the right of X-Forwarded-For ("" when there
//   are fewer than N entries); it wins over excludedIPs.
// - excludedIPs: the first entry from the right that is not in the list.
// - neither: the peer address (conn.clientIp).
// - ipv6Subnet (v3): an IPv6 result becomes the first address of its /N, so a
//   client cannot escape a limit by rotating addresses inside its prefix.
//   Like Traefik it applies to depth and the peer address, not excludedIPs.
// Traefik drops X-Forwarded-For from untrusted peers at the entrypoint, before
// any middleware runs; Sluice applies forwarded headers later (in the proxy),
// so the strategy reads X-Forwarded-For only when the peer is trusted
// (entrypoint forwardedHeaders.trustedIPs or insecure), to the same effect.

/** Reads one request header (values joined by ", ", as Headers.get), or null: one per request shape. */
export type HeaderRead<H> = (headers: H, name: string) => string | null;

/** Header reads of the Request form. */
export const readRequestHeader: HeaderRead<Request> = (req, name) => req.headers.get(name);
/** Header reads of the raw form (the request head's field list). */
export const readHeaderList: HeaderRead<HeaderList> = getHeader;

export interface IpStrategy {
  /** For messages and tests: "remoteAddr", "depth=2", "excludedIPs". */
  readonly kind: string;
  /** The client address by this strategy; "" when there is none (Traefik then rejects or groups under ""). */
  clientIpOf<H>(headers: H, read: HeaderRead<H>, conn: ConnInfo): string;
  /** clientIpOf for the Request form. */
  clientIp(req: Request, conn: ConnInfo): string;
  /** clientIpOf for the raw form. */
  rawClientIp(headers: HeaderList, conn: ConnInfo): string;
}

/** A strategy from its rule over the trusted X-Forwarded-For value ("" when untrusted, absent or not read). */
function strategy(kind: string, readsForwardedFor: boolean, pick: (forwardedFor: string, conn: ConnInfo) => string): IpStrategy {
  const clientIpOf = <H>(headers: H, read: HeaderRead<H>, conn: ConnInfo): string =>
    pick(readsForwardedFor ? trustedForwardedFor(headers, read, conn) : "", conn);
  return {
    kind,
    clientIpOf,
    clientIp: (req, conn) => clientIpOf(req, readRequestHeader, conn),
    rawClientIp: (headers, conn) => clientIpOf(headers, readHeaderList, conn),
  };
}

/** The X-Forwarded-For value a middleware may rely on: only from a trusted peer. */
export function trustedForwardedFor<H>(headers: H, read: HeaderRead<H>, conn: ConnInfo): string {
  const trusted = isTrusted(conn.trust, conn.clientIp);
  return trusted ? (read(headers, "x-forwarded-for") ?? "") : "";
}

/** The peer address, as Traefik's RemoteAddrStrategy. */
export const remoteAddrStrategy: IpStrategy = strategy("remoteAddr", false, (_xff, conn) => conn.clientIp);

/** Reads an `ipStrategy` block (the reader is the block itself). */
export function readIpStrategy(o: OptionReader): IpStrategy {
  const depthRaw = o.number("depth", { integer: true });
  const excluded = o.stringList("excludedIPs");
  const subnet = o.number("ipv6Subnet", { integer: true });
  o.finish();
  const depth = depthRaw ?? 0;
  if (depthRaw !== undefined && depthRaw < 0) o.warn("depth", `depth ${depthRaw} is ignored (only a depth above 0 reads X-Forwarded-For)`);
  if (depth > 0 && excluded.length > 0) o.warn("excludedIPs", "is ignored because depth is set");

  let subnetBits: number | undefined;
  if (subnet !== undefined) {
    if (depth <= 0 && excluded.length > 0) o.warn("ipv6Subnet", "is ignored with excludedIPs (Traefik applies it to depth and the peer address only)");
    else if (subnet < 1 || subnet > 128) o.error("ipv6Subnet", `expected an integer between 1 and 128, got ${subnet}`);
    else subnetBits = subnet;
  }

  if (depth > 0) {
    const base = depthStrategy(depth);
    return subnetBits === undefined ? base : withIpv6Subnet(base, subnetBits);
  }
  if (excluded.length > 0) {
    const { list, invalid } = IpRangeList.parse(excluded);
    for (const bad of invalid) o.error("excludedIPs", `invalid IP or CIDR range ${JSON.stringify(bad)}`);
    return excludedStrategy(list);
  }
  return subnetBits === undefined ? remoteAddrStrategy : withIpv6Subnet(remoteAddrStrategy, subnetBits);
}

export function depthStrategy(depth: number): IpStrategy {
  return strategy(`depth=${depth}`, true, (xff) => {
    const entries = xff.split(",");
    return entries.length < depth ? "" : entries[entries.length - depth]!.trim();
  });
}

export function excludedStrategy(excluded: IpRangeList): IpStrategy {
  return strategy("excludedIPs", true, (xff) => {
    const entries = xff.split(",");
    for (let i = entries.length - 1; i >= 0; i--) {
      const ip = entries[i]!.trim();
      // An entry that is not an address is "not excluded", as in Traefik: it is returned and then fails the allow list.
      if (ip !== "" && !excluded.contains(ip)) return ip;
    }
    return "";
  });
}

export function withIpv6Subnet(inner: IpStrategy, bits: number): IpStrategy {
  const clientIpOf = <H>(headers: H, read: HeaderRead<H>, conn: ConnInfo) => ipv6SubnetOf(inner.clientIpOf(headers, read, conn), bits);
  return {
    kind: `${inner.kind},ipv6Subnet=${bits}`,
    clientIpOf,
    clientIp: (req, conn) => clientIpOf(req, readRequestHeader, conn),
    rawClientIp: (headers, conn) => clientIpOf(headers, readHeaderList, conn),
  };
}

const ALL_ONES = (1n << 128n) - 1n;
const V4_MAPPED_PREFIX = 0xffffn << 32n;

/** The first address of `ip`'s /bits when it is IPv6; anything else unchanged (Go's getIPv6SubnetIP). */
export function ipv6SubnetOf(ip: string, bits: number): string {
  if (!ip.includes(":")) return ip;
  const n = parseIp(ip);
  if (n === null) return ip;
  const mask = bits === 0 ? 0n : (ALL_ONES << BigInt(128 - bits)) & ALL_ONES;
  return formatIpv6(n & mask);
}

/** RFC 5952 text, as Go's netip prints it: longest zero run of two or more groups as "::", IPv4-mapped tails dotted. */
export function formatIpv6(n: bigint): string {
  if (n >> 32n === V4_MAPPED_PREFIX >> 32n) {
    const v4 = Number(n & 0xffffffffn);
    return `::ffff:${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`;
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}
