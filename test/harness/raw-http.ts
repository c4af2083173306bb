import { connect, type Socket } from "node:net";

export interface RawResponse {
  head: string;
  status: number;
  /** Header lines as received (lower-cased names), repeats kept. */
  headers: [string, string][];
  /** Bytes after the head, until the socket closed or the wait ended. */
  rest: Buffer;
}

/**
 * Sends `request` as-is on a fresh TCP connection and collects what comes back
 * until the peer closes or `waitMs` passes. For checks fetch hides (framing,
 * raw header lines, hop-by-hop headers a client library refuses to send).
 */
export async function rawRequest(
  port: number,
  request: string | Buffer | (string | Buffer)[],
  waitMs = 3000,
  /** Pause between parts (0: all written at once, i.e. pipelined). */
  gapMs = 0,
): Promise<RawResponse> {
  const socket = connect(port, "127.0.0.1");
  const parts = Array.isArray(request) ? request : [request];
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const data = collect(socket, waitMs + gapMs * parts.length);
  for (const [i, p] of parts.entries()) {
    if (i > 0 && gapMs > 0) await Bun.sleep(gapMs);
    if (!socket.destroyed) socket.write(p);
  }
  return parseRaw(await data);
}

function collect(socket: Socket, waitMs: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(finish, waitMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", finish);
  });
}

export function parseRaw(data: Buffer): RawResponse {
  const end = data.indexOf("\r\n\r\n");
  const head = end < 0 ? data.toString("latin1") : data.subarray(0, end).toString("latin1");
  const lines = head.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
  }
  return { head, status, headers, rest: end < 0 ? Buffer.alloc(0) : data.subarray(end + 4) };
}

export function headerValues(res: RawResponse, name: string): string[] {
  return res.headers.filter(([k]) => k === name.toLowerCase()).map(([, v]) => v);
}
