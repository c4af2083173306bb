// The plain front hands a connection that opens with the HTTP/2 preface to
// the h2c handler (prior knowledge, RFC 9113 §3.3), with the bytes read so
// far and every later socket event; anything else stays HTTP/1.1.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { listenRaw, type RawExchange } from "./connection.ts";
import type { RawSocket } from "./raw-socket.ts";

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
let withH2c: TCPSocketListener<unknown>;
let without: TCPSocketListener<unknown>;

function answer(ex: RawExchange): void {
  ex.end(Buffer.from("http1"));
}

/** The handler stands in for the HTTP/2 server: it echoes what it gets, prefixed. */
function h2cEcho(socket: RawSocket, first: Uint8Array) {
  socket.write(Buffer.from(`first:${Buffer.from(first).toString("latin1")}|`));
  return {
    onData: (chunk: Uint8Array) => void socket.write(Buffer.from(`more:${Buffer.from(chunk).toString("latin1")}|`)),
    onDrain: () => {},
    onClose: () => {},
  };
}

beforeAll(() => {
  withH2c = listenRaw({ hostname: "127.0.0.1", port: 0, onRequest: answer, onH2c: h2cEcho }) as TCPSocketListener<unknown>;
  without = listenRaw({ hostname: "127.0.0.1", port: 0, onRequest: answer }) as TCPSocketListener<unknown>;
});
afterAll(() => {
  withH2c.stop(true);
  without.stop(true);
});

/** Writes each part (a pause between them) and returns what came back within `ms`. */
async function exchange(port: number, parts: string[], ms = 400): Promise<string> {
  let got = "";
  const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data: (_s, c) => void (got += Buffer.from(c).toString("latin1")) } });
  for (const p of parts) {
    socket.write(p);
    await Bun.sleep(60);
  }
  await Bun.sleep(ms);
  socket.end();
  return got;
}

test("a connection opening with the preface goes to the h2c handler, with its first bytes and the rest", async () => {
  const got = await exchange(withH2c.port, [`${PREFACE}frames`, "later"]);
  expect(got).toBe(`first:${PREFACE}frames|more:later|`);
});

test("HTTP/1.1 on the same listener is unaffected", async () => {
  const got = await exchange(withH2c.port, ["GET / HTTP/1.1\r\nHost: a\r\n\r\n"]);
  expect(got).toStartWith("HTTP/1.1 200 OK\r\n");
  expect(got).toEndWith("http1");
});

test("the preface after a first request is not HTTP/2: 505", async () => {
  const got = await exchange(withH2c.port, ["GET / HTTP/1.1\r\nHost: a\r\n\r\n", PREFACE]);
  expect(got).toContain("http1");
  expect(got).toContain("HTTP/1.1 505 HTTP Version Not Supported");
  expect(got).not.toContain("first:");
});

test("without an h2c handler the preface is refused as HTTP/1.1 (505)", async () => {
  const got = await exchange(without.port, [PREFACE]);
  expect(got).toStartWith("HTTP/1.1 505 ");
});
