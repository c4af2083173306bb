import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { startBunPipe } from "./bun-pipe.ts";

// Bytes that differ along their length, so a reordered or dropped piece shows in the digest.
const big = new Uint8Array(6 * 1024 * 1024).map((_, i) => (i * 31 + (i >> 12)) & 0xff);
// More than loopback socket buffers hold, so the pipe must queue while the client is not reading.
const huge = new Uint8Array(32 * 1024 * 1024).map((_, i) => (i * 7 + (i >> 16)) & 0xff);
const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let backend: ReturnType<typeof Bun.serve>;
let pipe: ReturnType<typeof startBunPipe>;

beforeAll(() => {
  backend = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/big") return new Response(big);
      if (path === "/huge") return new Response(huge);
      if (path === "/upload") return new Response(digest(new Uint8Array(await req.arrayBuffer())));
      return new Response("not found", { status: 404 });
    },
  });
  pipe = startBunPipe(0, "127.0.0.1", backend.port!);
});

afterAll(() => {
  pipe.stop(true);
  backend.stop(true);
});

test("a large response crosses the pipe whole and in order", async () => {
  const res = await fetch(`http://127.0.0.1:${pipe.port}/big`);
  expect(res.status).toBe(200);
  expect(digest(new Uint8Array(await res.arrayBuffer()))).toBe(digest(big));
});

test("a large upload crosses the pipe whole and in order", async () => {
  const res = await fetch(`http://127.0.0.1:${pipe.port}/upload`, { method: "POST", body: big });
  expect(await res.text()).toBe(digest(big));
});

test("a client that stops reading gets every byte once it reads again, then the close", async () => {
  // The pipe must queue and pause the backend while the client does not read;
  // HTTP/1.0 without keep-alive, so the backend's close ends the exchange.
  const received = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(pipe.port, "127.0.0.1", () => {
      socket.write("GET /huge HTTP/1.0\r\nHost: pipe.test\r\n\r\n");
      socket.pause();
      setTimeout(() => socket.resume(), 500);
    });
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => resolve(Buffer.concat(chunks)));
    socket.on("error", reject);
    setTimeout(() => reject(new Error("no end within 10 s")), 10_000).unref();
  });
  const bodyStart = received.indexOf("\r\n\r\n") + 4;
  expect(received.subarray(0, 12).toString()).toMatch(/^HTTP\/1\.[01] 200/);
  expect(received.length - bodyStart).toBe(huge.length);
  expect(digest(received.subarray(bodyStart))).toBe(digest(huge));
});
