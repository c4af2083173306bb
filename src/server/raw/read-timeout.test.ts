import { afterAll, beforeAll, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { connect } from "node:net";
import { listenRaw, type Connection } from "./connection.ts";

// readTimeout on the raw front: a request (head and body) that does not
// arrive in time gets 408 and the connection closes; a prompt one is served.

let listener: TCPSocketListener<Connection>;
let rejected: number[] = [];

beforeAll(() => {
  listener = listenRaw({
    hostname: "127.0.0.1",
    port: 0,
    readTimeoutMs: 300,
    idleTimeoutSec: 30,
    onRejected: (status) => rejected.push(status),
    onRequest(ex) {
      const parts: Uint8Array[] = [];
      ex.readBody((c) => parts.push(c), () => ex.end(Buffer.from(`got ${Buffer.concat(parts).length}`)));
    },
  });
});

afterAll(() => listener.stop(true));

/** Sends `parts` with `gapMs` between them; resolves with what came back and when the socket closed. */
function talk(parts: string[], gapMs: number, waitMs = 2000): Promise<{ data: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = connect(listener.port, "127.0.0.1");
    let data = "";
    let i = 0;
    const send = () => {
      if (i < parts.length) s.write(parts[i++]);
      if (i < parts.length) setTimeout(send, gapMs);
    };
    s.on("connect", send);
    s.on("data", (d) => (data += d.toString("latin1")));
    const done = () => resolve({ data, closedAfterMs: Date.now() - started });
    s.on("close", done);
    setTimeout(() => s.destroy(), waitMs);
  });
}

test("a head trickled slower than readTimeout gets 408 and a close", async () => {
  rejected = [];
  const res = await talk(["GET / HTTP/1.1\r\n", "Host: a\r\n", "X-A: 1\r\n", "X-B: 2\r\n", "\r\n"], 200);
  expect(res.data).toStartWith("HTTP/1.1 408 Request Timeout");
  expect(res.closedAfterMs).toBeLessThan(1500);
  expect(rejected).toEqual([408]);
});

test("a body that stalls past readTimeout gets 408", async () => {
  const res = await talk(["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345", "678"], 600);
  expect(res.data).toStartWith("HTTP/1.1 408");
});

test("a prompt request is served, and keep-alive idling is not a read timeout", async () => {
  const res = await talk(["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"], 700);
  expect(res.data.match(/HTTP\/1\.1 200/g)?.length).toBe(2);
  expect(res.data).toContain("got 3");
  expect(res.data).not.toContain("408");
});
