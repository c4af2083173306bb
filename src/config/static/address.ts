// Entry point addresses as Traefik writes them: ":80", "0.0.0.0:80",
// "[::1]:8443", optionally followed by "/tcp". UDP entry points ("/udp")
// are a Traefik feature Sluice does not have, so they are refused.

export interface ParsedAddress {
  /** "" means all interfaces. IPv6 hosts are returned without brackets. */
  host: string;
  port: number;
}

export const ADDRESS_EXPECTED = 'an address like ":80", "0.0.0.0:80" or "[::1]:8443"';

/** Parses an entry point address; throws an Error saying what was expected. */
export function parseAddress(address: string): ParsedAddress {
  let hostPort = address.trim();
  const slash = hostPort.lastIndexOf("/");
  if (slash >= 0) {
    const proto = hostPort.slice(slash + 1).toLowerCase();
    hostPort = hostPort.slice(0, slash);
    if (proto === "udp") {
      throw new Error(`address "${address}": UDP entry points are not supported by Sluice (only TCP)`);
    }
    if (proto !== "tcp") throw new Error(`address "${address}": unknown protocol "${proto}", expected "tcp"`);
  }

  let host: string;
  let portText: string;
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close < 0 || hostPort[close + 1] !== ":") {
      throw new Error(`invalid address "${address}": expected ${ADDRESS_EXPECTED}`);
    }
    host = hostPort.slice(1, close);
    portText = hostPort.slice(close + 2);
  } else {
    const colon = hostPort.lastIndexOf(":");
    if (colon < 0) throw new Error(`invalid address "${address}": missing ":port", expected ${ADDRESS_EXPECTED}`);
    host = hostPort.slice(0, colon);
    portText = hostPort.slice(colon + 1);
    // An unbracketed IPv6 host ("::1:80") is ambiguous, as in Go.
    if (host.includes(":")) throw new Error(`invalid address "${address}": IPv6 hosts need brackets, e.g. "[::1]:8443"`);
  }

  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new Error(`invalid port in address "${address}": expected a number from 0 to 65535`);
  }
  return { host, port: Number(portText) };
}
