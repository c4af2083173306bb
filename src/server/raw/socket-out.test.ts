import { describe, expect, test } from "bun:test";
import { SCRATCH } from "./scratch.ts";
import { SocketOut } from "./socket-out.ts";
import { shortWriteSocket } from "./testing-sockets.ts";

describe("SocketOut.writeWithHead", () => {
  test("head and body leave in one write when the socket takes all", () => {
    const { socket: sock, text } = shortWriteSocket(1 << 20);
    let writes = 0;
    const counting = { write: (b: Uint8Array, o?: number, l?: number) => (writes++, sock.write(b, o, l)) };
    const out = new SocketOut(counting, () => {}, true);
    expect(out.writeWithHead("HTTP/1.1 200 OK\r\n\r\n", Buffer.from("body"))).toBe(true);
    expect(writes).toBe(1);
    expect(text()).toBe("HTTP/1.1 200 OK\r\n\r\nbody");
  });

  test("a short write keeps its own copy of the rest: reusing the scratch buffer cannot change it", () => {
    const { socket: sock, text } = shortWriteSocket(5);
    let drained = 0;
    const out = new SocketOut(sock, () => drained++, true);
    expect(out.writeWithHead("HTTP/1.1 200 OK\r\nX-A: é\r\n\r\n", Buffer.from("hello"))).toBe(false);
    expect(out.saturated).toBe(true);
    SCRATCH.fill(0x21); // the next message built in the scratch buffer
    sock.budget = 1 << 20;
    out.drain();
    expect(drained).toBe(1);
    expect(text()).toBe("HTTP/1.1 200 OK\r\nX-A: é\r\n\r\nhello");
  });

  test("a socket that does not copy (node:tls) is never handed the scratch buffer", () => {
    const seen: Uint8Array[] = [];
    const out = new SocketOut({ write: (b: Uint8Array) => (seen.push(b), b.length) }, () => {}, false);
    out.writeWithHead("HTTP/1.1 204 No Content\r\n\r\n", null);
    expect(seen.length).toBe(1);
    expect(seen[0]!.buffer).not.toBe(SCRATCH.buffer);
    expect(Buffer.from(seen[0]!).toString("latin1")).toBe("HTTP/1.1 204 No Content\r\n\r\n");
  });

  test("a big first body piece after a short head write is queued, not lost", () => {
    const { socket: sock, text } = shortWriteSocket(3);
    const out = new SocketOut(sock, () => {}, true);
    const body = Buffer.alloc(SCRATCH.length, 0x62);
    expect(out.writeWithHead("HTTP/1.1 200 OK\r\n\r\n", body)).toBe(false);
    sock.budget = 1 << 30;
    out.drain();
    expect(text()).toBe(`HTTP/1.1 200 OK\r\n\r\n${"b".repeat(SCRATCH.length)}`);
  });

  test("a head too big for the scratch buffer still goes out whole", () => {
    const { socket: sock, text } = shortWriteSocket(1 << 20);
    const out = new SocketOut(sock, () => {}, true);
    const big = `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(SCRATCH.length)}\r\n\r\n`;
    expect(out.writeWithHead(big, Buffer.from("!"))).toBe(true);
    expect(text()).toBe(`${big}!`);
  });
});
