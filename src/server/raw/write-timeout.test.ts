import { afterAll, beforeAll, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { connect } from "node:net";
import { listenRaw, type Connection } from "./connection.ts";

// writeTimeout on the raw front: a response still being written writeTimeout
// after its request arrived is cut (the connection closes mid-body, as Go
// does); prompt responses on the same keep-alive connection are untouched.

let listener: TCPSocketListener<Connection>;
const aborted: string[] = [];

beforeAll(() => {
  listener = listenRaw({
    hostname: "127.0.0.1",
    port: 0,
    writeTimeoutMs: 300,
    idleTimeoutSec: 30,
    onRequest(ex) {
      ex.onAbort = (reason) => aborted.push(reason);
      if (ex.head.target === "/slow") {
        // A body trickled over ~1.5 s: longer than writeTimeout.
        ex.writeHead(200, "OK", [], {});
        let n = 0;
        const tick = setInterval(() => {
          if (ex.aborted || ++n > 15) {
            clearInterval(tick);
            if (!ex.aborted) ex.end();
            return;
          }
          ex.write(Buffer.from(`chunk ${n}\n`));
        }, 100);
        return;
      }
      ex.end(Buffer.from("quick"));
    },
  });
});

afterAll(() => listener.stop(true));

function exchange(requests: string, waitMs: number): Promise<{ data: string; closedAfterMs: number | null }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = connect(listener.port, "127.0.0.1", () => s.write(requests));
    let data = "";
    let closedAfterMs: number | null = null;
    s.on("data", (d) => (data += d.toString("latin1")));
    s.on("close", () => (closedAfterMs = Date.now() - started));
    s.on("error", () => {});
    setTimeout(() => {
      s.destroy();
      resolve({ data, closedAfterMs });
    }, waitMs);
  });
}

test("a response still streaming past writeTimeout is cut", async () => {
  const res = await exchange("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n", 2000);
  expect(res.data).toStartWith("HTTP/1.1 200 OK");
  expect(res.data).toContain("chunk 1\n");
  expect(res.data).not.toContain("chunk 15\n");
  expect(res.closedAfterMs).not.toBeNull();
  expect(res.closedAfterMs!).toBeLessThan(1200);
  expect(aborted).toContain("response write timeout");
});

test("quick responses on one keep-alive connection each get their own clock", async () => {
  const one = "GET /q HTTP/1.1\r\nHost: a\r\n\r\n";
  const s = connect(listener.port, "127.0.0.1");
  let data = "";
  s.on("data", (d) => (data += d.toString("latin1")));
  await new Promise<void>((r) => s.on("connect", () => r()));
  // Four requests 150 ms apart: 600 ms in all, longer than writeTimeout, each prompt.
  for (let i = 0; i < 4; i++) {
    s.write(one);
    await Bun.sleep(150);
  }
  s.destroy();
  expect(data.match(/HTTP\/1\.1 200 OK/g)?.length).toBe(4);
});
