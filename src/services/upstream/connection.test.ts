import { describe, expect, test } from "bun:test";
import { SCRATCH } from "../../server/raw/scratch.ts";
import { shortWriteSocket } from "../../server/raw/testing-sockets.ts";
import { UpstreamConnection } from "./connection.ts";

/** An UpstreamConnection on a socket that takes at most `budget` bytes per write. */
function onShortSocket(budget: number) {
  const { socket, text } = shortWriteSocket(budget);
  const conn = new UpstreamConnection();
  (conn as unknown as { socket: unknown }).socket = socket;
  return { conn, socket, text };
}

describe("UpstreamConnection.writeLatin1", () => {
  test("written whole: no promise, bytes as latin1 (not UTF-8)", () => {
    const { conn, text } = onShortSocket(1 << 20);
    expect(conn.writeLatin1("GET / HTTP/1.1\r\nX-A: \xe9\r\n\r\n")).toBeNull();
    expect(Buffer.from(text(), "latin1").includes(Buffer.from([0xe9]))).toBe(true);
    expect(text()).toBe("GET / HTTP/1.1\r\nX-A: \xe9\r\n\r\n");
  });

  test("a short write queues a copy; the promise settles once drained, whatever the scratch buffer holds meanwhile", async () => {
    const { conn, socket, text } = onShortSocket(4);
    const waiting = conn.writeLatin1("GET /a HTTP/1.1\r\nHost: b\r\n\r\n");
    expect(waiting).not.toBeNull();
    SCRATCH.fill(0x21);
    socket.budget = 1 << 20;
    conn.handleDrain();
    await waiting;
    expect(text()).toBe("GET /a HTTP/1.1\r\nHost: b\r\n\r\n");
  });

  test("behind queued bytes, the text waits its turn", () => {
    const { conn, socket, text } = onShortSocket(2);
    conn.write(Buffer.from("first;"));
    conn.writeLatin1("second");
    socket.budget = 1 << 20;
    conn.handleDrain();
    expect(text()).toBe("first;second");
  });
});
