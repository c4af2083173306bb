// What the whoami demo tells about itself and the request it got, as text
// (like traefik/whoami's `/`) or as a JSON object (its `/api`).
import { hostname as osHostname, networkInterfaces } from "node:os";

export interface WhoamiInfo {
  name?: string;
  hostname: string;
  ip: string[];
  remoteAddr: string;
  method: string;
  /** Path plus query, as the request line carried it. */
  url: string;
  host: string;
  /** Canonical header names (Go style, `User-Agent`) to all their values. */
  headers: Record<string, string[]>;
}

/** Every address of every interface, loopback first as the OS lists them. */
export function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) out.push(entry.address);
  }
  return out;
}

/** `user-agent` → `User-Agent`, the form Go's net/http prints. */
export function canonicalHeaderName(name: string): string {
  return name
    .split("-")
    .map((part) => (part ? part[0].toUpperCase() + part.slice(1).toLowerCase() : part))
    .join("-");
}

/** `ip:port`, with brackets around an IPv6 address. */
export function formatRemoteAddr(address: { address: string; port: number } | null): string {
  if (!address) return "";
  const host = address.address.includes(":") ? `[${address.address}]` : address.address;
  return `${host}:${address.port}`;
}

export function collectInfo(
  req: Request,
  remote: { address: string; port: number } | null,
  name: string | undefined,
): WhoamiInfo {
  const url = new URL(req.url);
  const headers: Record<string, string[]> = {};
  for (const [key, value] of req.headers) {
    const canonical = canonicalHeaderName(key);
    // Bun's Headers joins repeated fields with ", " except Set-Cookie; keep it as one value.
    (headers[canonical] ??= []).push(value);
  }
  return {
    name: name || undefined,
    hostname: osHostname(),
    ip: localAddresses(),
    remoteAddr: formatRemoteAddr(remote),
    method: req.method,
    url: url.pathname + url.search,
    host: req.headers.get("host") ?? url.host,
    headers,
  };
}

/** The plain-text page: identity lines, then the request line and headers (Host first). */
export function formatText(info: WhoamiInfo): string {
  const lines: string[] = [];
  if (info.name) lines.push(`Name: ${info.name}`);
  lines.push(`Hostname: ${info.hostname}`);
  for (const ip of info.ip) lines.push(`IP: ${ip}`);
  lines.push(`RemoteAddr: ${info.remoteAddr}`);
  // Bun does not expose the protocol version of the request; Bun.serve speaks HTTP/1.1 here.
  lines.push(`${info.method} ${info.url} HTTP/1.1`);
  lines.push(`Host: ${info.host}`);
  for (const [key, values] of Object.entries(info.headers)) {
    if (key === "Host") continue;
    for (const value of values) lines.push(`${key}: ${value}`);
  }
  return lines.join("\n") + "\n";
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A Go `time.Duration` string (`150ms`, `1.5s`, `1m30s`) in milliseconds, or
 * undefined when it does not parse. Used by the `?wait=` query parameter.
 */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < text.length) {
    part.lastIndex = index;
    const match = part.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * DURATION_UNITS[match[2]];
    index = part.lastIndex;
  }
  return index > 0 ? total : undefined;
}
