// ResponseWriter puts a pending head into the spent bytes before a big first
// body piece (RawExchange.write's headroom), so head and body leave in one
// write; without room it falls back to its usual writes. The socket records
// each write() call, as Bun's does, taking everything.
import { describe, expect, test } from "bun:test";
import { ResponseWriter } from "./response-writer.ts";
import { SocketOut } from "./socket-out.ts";

function recorder() {
  const writes: string[] = [];
  const socket = {
    write(bytes: Uint8Array, offset = 0, length = bytes.length - offset) {
      writes.push(Buffer.from(bytes.subarray(offset, offset + length)).toString("latin1"));
      return length;
    },
    end() {},
  };
  return { writes, writer: new ResponseWriter(new SocketOut(socket, () => {}, true, false), "GET", "1.1", true) };
}

/** A read as the upstream parser sees it: `spent` bytes, then the body piece handed out (a view). */
function pieceAfter(spent: string, body: string): Uint8Array {
  const read = Buffer.from(spent + body, "latin1");
  return read.subarray(spent.length);
}

describe("ResponseWriter with headroom", () => {
  const body = "b".repeat(70_000); // bigger than the scratch buffer: would take two writes
  const upstreamHead = "HTTP/1.1 200 OK\r\nServer: up\r\nConnection: keep-alive\r\nContent-Length: 70000\r\n\r\n";

  test("the head goes into the spent bytes and leaves with the body in one write", () => {
    const { writes, writer } = recorder();
    writer.writeHead(200, "OK", [["Server", "up"]], { contentLength: body.length });
    expect(writer.write(pieceAfter(upstreamHead, body), upstreamHead.length)).toBe(true);
    expect(writes).toEqual([`HTTP/1.1 200 OK\r\nServer: up\r\nContent-Length: 70000\r\n\r\n${body}`]);
  });

  test("too little room: the head is written on its own, the body untouched", () => {
    const { writes, writer } = recorder();
    writer.writeHead(200, "OK", [["Server", "up"], ["X-Long", "x".repeat(200)]], { contentLength: body.length });
    const piece = pieceAfter(upstreamHead, body);
    writer.write(piece, upstreamHead.length);
    expect(writes).toHaveLength(2);
    expect(writes.join("")).toBe(`HTTP/1.1 200 OK\r\nServer: up\r\nX-Long: ${"x".repeat(200)}\r\nContent-Length: 70000\r\n\r\n${body}`);
    expect(Buffer.from(piece.buffer, 0, upstreamHead.length).toString("latin1")).toBe(upstreamHead);
  });

  test("later pieces are written as they are", () => {
    const { writes, writer } = recorder();
    writer.writeHead(200, "OK", [], { contentLength: 2 * body.length });
    writer.write(pieceAfter(upstreamHead, body), upstreamHead.length);
    writer.write(pieceAfter("\r\n1000\r\n", body), 8);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toBe(body);
  });
});
