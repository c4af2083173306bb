import { describe, expect, test } from "bun:test";
import { SCRATCH } from "../../server/raw/scratch.ts";
import { shortWriteSocket } from "../../server/raw/testing-sockets.ts";
import { ARENA, BATCH_MAX_WRITE } from "../../server/raw/write-batch.ts";
import { UpstreamConnection } from "./connection.ts";

/** An UpstreamConnection on a socket that takes at most `budget` bytes per write. */
function onShortSocket(budget: number) {
  const { socket, text } = shortWriteSocket(budget);
  const conn = new UpstreamConnection();
  (conn as unknown as { socket: unknown }).socket = socket;
  return { conn, socket, text };
}

/** Batched writes leave once the event loop's round is over. */
const nextRound = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("UpstreamConnection.writeLatin1", () => {
  test("a small head joins the write batch: no promise, sent whole at the end of the round, as latin1 (not UTF-8)", async () => {
    const { conn, text } = onShortSocket(1 << 20);
    expect(conn.writeLatin1("GET / HTTP/1.1\r\nX-A: \xe9\r\n\r\n")).toBeNull();
    expect(text()).toBe("");
    await nextRound();
    expect(Buffer.from(text(), "latin1").includes(Buffer.from([0xe9]))).toBe(true);
    expect(text()).toBe("GET / HTTP/1.1\r\nX-A: \xe9\r\n\r\n");
  });

  test("a batched head cut short by the socket keeps a copy of the rest, whatever the arena holds next", async () => {
    const { conn, socket, text } = onShortSocket(4);
    expect(conn.writeLatin1("GET /a HTTP/1.1\r\nHost: b\r\n\r\n")).toBeNull();
    await nextRound();
    expect(text()).toBe("GET ");
    ARENA.fill(0x21);
    socket.budget = 1 << 20;
    conn.handleDrain();
    expect(text()).toBe("GET /a HTTP/1.1\r\nHost: b\r\n\r\n");
  });

  test("a body write right after a batched head sends the head first", () => {
    const { conn, text } = onShortSocket(1 << 20);
    conn.writeLatin1("POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\n");
    expect(conn.write(Buffer.from("body"))).toBeNull();
    expect(text()).toBe("POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody");
  });

  test("a head too big to batch goes out at once; a short write queues a copy and the promise settles once drained", async () => {
    const { conn, socket, text } = onShortSocket(4);
    const head = `GET /a HTTP/1.1\r\nX-Big: ${"b".repeat(BATCH_MAX_WRITE)}\r\n\r\n`;
    const waiting = conn.writeLatin1(head);
    expect(waiting).not.toBeNull();
    expect(text()).toBe("GET ");
    SCRATCH.fill(0x21);
    socket.budget = 1 << 20;
    conn.handleDrain();
    await waiting;
    expect(text()).toBe(head);
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
