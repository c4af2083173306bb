import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server, TCPSocketListener } from "bun";
import { eventually, rawClient, startFront, type TestFront } from "./raw-forward.test-front.ts";
import { patternBytes, sha256 } from "./test-backends.ts";

let ws: Server<undefined>;
let front: TestFront;
let upstreamCloses = 0;

beforeAll(() => {
  ws = Bun.serve<undefined>({
    hostname: "127.0.0.1",
    port: 0,
    development: false,
    fetch(req, server) {
      if (new URL(req.url).pathname === "/ws" && server.upgrade(req, { headers: { "X-Upgraded-By": "backend" } })) return undefined;
      return new Response("no upgrade here", { status: 400 });
    },
    websocket: {
      maxPayloadLength: 16 * 1024 * 1024,
      message(socket, message) {
        socket.send(typeof message === "string" ? `echo:${message}` : message);
      },
      close() {
        upstreamCloses++;
      },
    },
  });
  front = startFront(ws.port!);
});
afterAll(() => {
  front.stop();
  ws.stop(true);
});

describe("RawUpstreamPool.tunnel", () => {
  test("WebSocket echo through the tunnel (text and a 4 MiB binary message), then close", async () => {
    const client = new WebSocket(`ws://127.0.0.1:${front.port}/ws`);
    client.binaryType = "arraybuffer";
    const got: (string | ArrayBuffer)[] = [];
    client.onmessage = (e) => got.push(e.data as string | ArrayBuffer);
    await new Promise<void>((resolve, reject) => {
      client.onopen = () => resolve();
      client.onerror = () => reject(new Error("websocket failed"));
    });
    const blob = patternBytes(4 * 1024 * 1024, 9);
    client.send("hi");
    client.send(blob);
    client.send("bye");
    expect(await eventually(() => got.length === 3, 5000)).toBe(true);
    expect(got[0]).toBe("echo:hi");
    expect(sha256(new Uint8Array(got[1] as ArrayBuffer))).toBe(sha256(blob));
    expect(got[2]).toBe("echo:bye");
    const before = front.results.length;
    client.close();
    expect(await eventually(() => upstreamCloses === 1)).toBe(true);
    expect(await eventually(() => front.results.length > before)).toBe(true);
    expect(front.results.at(-1)?.status).toBe(101);
  });

  test("the 101 head reaches the client with Upgrade/Connection and backend fields", async () => {
    const c = await rawClient(front.port);
    c.socket.write("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    expect(await c.until((s) => s.includes("\r\n\r\n"))).toBe(true);
    const head = c.text();
    c.socket.end();
    expect(head.startsWith("HTTP/1.1 101 ")).toBe(true);
    const lower = head.toLowerCase();
    expect(lower.split("\r\nconnection:").length - 1).toBe(1);
    expect(head).toContain("Connection: Upgrade\r\n");
    expect(lower).toContain("upgrade: websocket\r\n");
    expect(lower).toContain("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n");
    expect(lower).toContain("x-upgraded-by: backend");
  });

  test("a non-101 answer to an upgrade request is forwarded as a normal response", async () => {
    const c = await rawClient(front.port);
    c.socket.write("GET /plain HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    expect(await c.until((s) => s.endsWith("no upgrade here"))).toBe(true);
    c.socket.end();
    expect(c.text().startsWith("HTTP/1.1 400 ")).toBe(true);
  });
});

describe("tunnel byte handling", () => {
  let backend: TCPSocketListener<{ buf: string; upgraded: boolean }>;
  beforeAll(() => {
    // Answers 101 plus a greeting in one write, then echoes bytes upper-cased.
    backend = Bun.listen<{ buf: string; upgraded: boolean }>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(s) {
          s.data = { buf: "", upgraded: false };
        },
        data(s, chunk) {
          const text = Buffer.from(chunk).toString("latin1");
          if (s.data.upgraded) return void s.write(text.toUpperCase());
          s.data.buf += text;
          const end = s.data.buf.indexOf("\r\n\r\n");
          if (end < 0) return;
          s.data.upgraded = true;
          const rest = s.data.buf.slice(end + 4);
          s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nWELCOME;${rest.toUpperCase()}`);
        },
      },
    });
  });
  afterAll(() => backend.stop(true));

  test("bytes right after the 101 head and bytes the client sent early both get through", async () => {
    const c = await rawClient(front.port);
    c.socket.write(`GET /x HTTP/1.1\r\nHost: a\r\nX-To: ${backend.port}\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly;`);
    expect(await c.until((s) => s.includes("WELCOME;EARLY;"))).toBe(true);
    c.socket.write("later");
    expect(await c.until((s) => s.endsWith("WELCOME;EARLY;LATER"))).toBe(true);
    c.socket.end();
  });
});

describe("interim responses", () => {
  let backend: TCPSocketListener<{ buf: string; sentContinue: boolean }>;
  beforeAll(() => {
    // Answers 100 Continue and 103 Early Hints before reading the body, then the final response.
    backend = Bun.listen<{ buf: string; sentContinue: boolean }>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(s) {
          s.data = { buf: "", sentContinue: false };
        },
        data(s, chunk) {
          const st = s.data;
          st.buf += Buffer.from(chunk).toString("latin1");
          const end = st.buf.indexOf("\r\n\r\n");
          if (end < 0) return;
          if (!st.sentContinue) {
            st.sentContinue = true;
            s.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n");
          }
          const len = Number(/content-length: *(\d+)/i.exec(st.buf.slice(0, end))?.[1] ?? 0);
          const body = st.buf.slice(end + 4);
          if (body.length < len) return;
          const answer = `got ${body.length}`;
          s.write(`HTTP/1.1 201 Created\r\nContent-Length: ${answer.length}\r\n\r\n${answer}`);
          st.buf = "";
          st.sentContinue = false;
        },
      },
    });
  });
  afterAll(() => backend.stop(true));

  test("100-continue upload: the client gets one 100 (from the front), upstream 1xx are skipped", async () => {
    const c = await rawClient(front.port);
    c.socket.write(`POST /up HTTP/1.1\r\nHost: a\r\nX-To: ${backend.port}\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n`);
    expect(await c.until((s) => s.includes("100 Continue\r\n\r\n"))).toBe(true);
    c.socket.write("x".repeat(5000));
    expect(await c.until((s) => s.endsWith("got 5000"))).toBe(true);
    const text = c.text();
    c.socket.end();
    expect(text.split("HTTP/1.1 100 Continue").length - 1).toBe(1);
    expect(text).not.toContain("103");
    expect(text).toContain("HTTP/1.1 201 Created\r\n");
  });
});
