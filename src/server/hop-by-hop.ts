// Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and must not
// be forwarded; Bun's fetch and Bun.serve strip none of them.
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

/** Removes hop-by-hop headers and any header named in Connection, in place. */
export function stripHopByHop(headers: Headers): void {
  const connection = headers.get("connection");
  if (connection) {
    for (const name of connection.split(",")) {
      const n = name.trim();
      if (n) headers.delete(n);
    }
  }
  for (const h of HOP_BY_HOP) headers.delete(h);
}
