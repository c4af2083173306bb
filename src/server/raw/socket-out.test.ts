import { describe, expect, test } from "bun:test";
import { RangeFieldBlock } from "./http1-head.ts";
import { SCRATCH } from "./scratch.ts";
import { SocketOut } from "./socket-out.ts";
import { shortWriteSocket } from "./testing-sockets.ts";

describe("SocketOut.writeWithHead", () => {
  test("head and body leave in one write when the socket takes all", () => {
    const { socket: sock, text } = shortWriteSocket(1 << 20);
    let writes = 0;
    const counting = { write: (b: Uint8Array, o?: number, l?: number) => (writes++, sock.write(b, o, l)), end() {} };
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
    const out = new SocketOut({ write: (b: Uint8Array) => (seen.push(b), b.length), end() {} }, () => {}, false);
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

describe("SocketOut with write batching", () => {
  const nextRound = () => new Promise<void>((resolve) => setImmediate(resolve));

  test("a small head write waits for the end of the round, then leaves in one write", async () => {
    const { socket: sock, text } = shortWriteSocket(1 << 20);
    let writes = 0;
    const counting = { write: (b: Uint8Array, o?: number, l?: number) => (writes++, sock.write(b, o, l)), end() {} };
    const out = new SocketOut(counting, () => {}, true, true);
    expect(out.writeWithHead("HTTP/1.1 200 OK\r\n\r\n", Buffer.from("body"))).toBe(true);
    expect(writes).toBe(0);
    await nextRound();
    expect(writes).toBe(1);
    expect(text()).toBe("HTTP/1.1 200 OK\r\n\r\nbody");
  });

  test("a later write first sends what was batched, keeping the order", () => {
    const { socket: sock, text } = shortWriteSocket(1 << 20);
    const out = new SocketOut(sock, () => {}, true, true);
    out.writeWithHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Buffer.from("1\r\na\r\n"));
    out.write(Buffer.from("1\r\nb\r\n0\r\n\r\n"));
    expect(text()).toBe("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n");
  });

  test("two pipelined responses in one round stay in order", async () => {
    const { socket: sock, text } = shortWriteSocket(1 << 20);
    const out = new SocketOut(sock, () => {}, true, true);
    out.writeWithHead("A\r\n\r\n", Buffer.from("1"));
    out.writeWithHead("B\r\n\r\n", Buffer.from("2"));
    await nextRound();
    expect(text()).toBe("A\r\n\r\n1B\r\n\r\n2");
  });

  test("end() waits for the batched bytes; a short flush leaves the rest to drain", async () => {
    const { socket: sock, text } = shortWriteSocket(4);
    const out = new SocketOut(sock, () => {}, true, true);
    out.writeWithHead("HTTP/1.1 400 Bad Request\r\n\r\n", Buffer.from("bad\n"));
    out.end();
    expect(sock.ended).toBe(false);
    await nextRound();
    expect(text()).toBe("HTTP");
    expect(out.saturated).toBe(true);
    sock.budget = 1 << 20;
    out.drain();
    expect(text()).toBe("HTTP/1.1 400 Bad Request\r\n\r\nbad\n");
  });

  test("end() after a batched write that leaves whole ends the socket right after it", async () => {
    const { socket: sock, text } = shortWriteSocket(1 << 20);
    const out = new SocketOut(sock, () => {}, true, true);
    out.writeWithHead("HTTP/1.1 204 No Content\r\n\r\n", null);
    out.end();
    expect(sock.ended).toBe(false);
    await nextRound();
    expect(text()).toBe("HTTP/1.1 204 No Content\r\n\r\n");
    expect(sock.ended).toBe(true);
  });

  test("a closed socket drops its batched write", async () => {
    let writes = 0;
    const out = new SocketOut({ write: (b: Uint8Array) => (writes++, b.length), end() {} }, () => {}, true, true);
    out.writeWithHead("HTTP/1.1 200 OK\r\n\r\n", null);
    out.close();
    await nextRound();
    expect(writes).toBe(0);
  });

  test("many writers in one round share the arena without overwriting each other", async () => {
    const outs = Array.from({ length: 40 }, () => shortWriteSocket(1 << 20));
    const body = Buffer.alloc(10 * 1024, 0x78); // 40 x 10 KiB overflows the 256 KiB arena: a flush in between
    outs.forEach(({ socket }, i) => new SocketOut(socket, () => {}, true, true).writeWithHead(`R${i}\r\n\r\n`, body));
    await nextRound();
    outs.forEach(({ text }, i) => expect(text()).toBe(`R${i}\r\n\r\n${"x".repeat(body.length)}`));
  });

  /** A head "HTTP/1.1 200 OK\r\nA: 1\r\nConnection: keep-alive\r\nB: 2" whose block keeps A and B, as the response parser makes it. */
  function blockOfReceivedHead(): { block: RangeFieldBlock; bytes: Buffer } {
    const head = "HTTP/1.1 200 OK\r\nA: 1\r\nConnection: keep-alive\r\nB: 2";
    const bytes = Buffer.from(`xx${head}\r\n\r\nbody`, "latin1"); // the head starts at 2 in the read
    const a = head.indexOf("A:");
    const conn = head.indexOf("Connection:");
    const b = head.indexOf("B:");
    return { block: new RangeFieldBlock(head, bytes, 2, [a, conn, b, head.length + 2], conn - a + head.length + 2 - b), bytes };
  }

  test("a head in parts: the block's bytes are copied between the status line and the framing", async () => {
    const { socket: sock, text } = shortWriteSocket(1 << 20);
    let writes = 0;
    const counting = { write: (b: Uint8Array, o?: number, l?: number) => (writes++, sock.write(b, o, l)), end() {} };
    const out = new SocketOut(counting, () => {}, true, true);
    const { block } = blockOfReceivedHead();
    expect(block.text).toBe("A: 1\r\nB: 2\r\n");
    expect(block.list).toEqual([["A", "1"], ["B", "2"]]);
    expect(out.writeParts({ line: "HTTP/1.1 200 OK\r\n", block, tail: "Content-Length: 4\r\n\r\n" }, Buffer.from("body"))).toBe(true);
    await nextRound();
    expect(writes).toBe(1);
    expect(text()).toBe("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 4\r\n\r\nbody");
  });

  test("a head in parts on a socket with bytes still queued goes out as one string, in order", () => {
    const { socket: sock, text } = shortWriteSocket(2);
    const out = new SocketOut(sock, () => {}, true, true);
    expect(out.write(Buffer.from("earlier"))).toBe(false);
    const { block } = blockOfReceivedHead();
    expect(out.writeParts({ line: "HTTP/1.1 200 OK\r\n", block, tail: "\r\n" }, null)).toBe(false);
    sock.budget = 1 << 20;
    out.drain();
    expect(text()).toBe("earlierHTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n");
  });
});

