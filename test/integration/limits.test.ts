// Traefik's per-entrypoint limits through the real process:
// http.maxHeaderBytes (Sluice's default request-head limit is nginx's 32 KiB;
// a config that raises it is honoured, 431 past it) and
// transport.keepAliveMaxRequests and keepAliveMaxTime.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { rawRequest } from "../harness/raw-http.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let backend: TCPSocketListener<{ buf: string }>;
let sluice: RunningSluice;

beforeAll(async () => {
  // A raw backend: Bun.serve has a header limit of its own (16 KiB) that would answer first.
  backend = Bun.listen<{ buf: string }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { buf: "" };
      },
      data(s, chunk) {
        s.data.buf += chunk.toString("latin1");
        const end = s.data.buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const cookie = /\r\ncookie: ([^\r]*)/i.exec(s.data.buf.slice(0, end))?.[1] ?? "";
        s.data.buf = s.data.buf.slice(end + 4);
        const body = `cookie ${cookie.length}`;
        s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      },
    },
  });
  sluice = await startSluice({
    entryPointExtra: "http:\n  maxHeaderBytes: 65536\ntransport:\n  keepAliveMaxRequests: 3\n  keepAliveMaxTime: 400ms",
    files: {
      "r.yml": `http:\n  routers:\n    all: { rule: "PathPrefix(\`/\`)", service: b }\n  services:\n    b: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${backend.port}" }] } }\n`,
    },
  });
});

afterAll(async () => {
  await sluice?.stop();
  backend?.stop(true);
});

const withCookie = (n: number) => fetch(sluice.url("web", "/"), { headers: { cookie: "c".repeat(n) } });

describe("http.maxHeaderBytes", () => {
  // Bun.serve (SLUICE_FRONT=serve) has its own 16 KiB limit; a start notice says the option does not apply there.
  test.skipIf(process.env.SLUICE_FRONT === "serve")("a 48 KiB head passes when the limit is raised to 64 KiB (the default 32 KiB would refuse it)", async () => {
    const res = await withCookie(48 * 1024);
    expect([res.status, await res.text()]).toEqual([200, `cookie ${48 * 1024}`]);
  });

  test("past the configured limit: 431", async () => {
    expect((await withCookie(80 * 1024)).status).toBe(431);
  });
});

describe("transport.keepAliveMaxRequests", () => {
  test.skipIf(process.env.SLUICE_FRONT === "serve")("the third request on a connection is answered with Connection: close, then the connection ends", async () => {
    const req = `GET / HTTP/1.1\r\nHost: a.test\r\n\r\n`;
    const res = await rawRequest(sluice.ports.web!, [req, req, req, req, req], 1500, 50);
    const all = `${res.head}\r\n\r\n${res.rest.toString("latin1")}`;
    const heads = all.split("HTTP/1.1 ").slice(1);
    expect(heads.length).toBe(3);
    expect(heads.map((h) => /\r\nConnection: close\r\n/i.test(h))).toEqual([false, false, true]);
  });

  test.skipIf(process.env.SLUICE_FRONT === "serve")("keepAliveMaxTime: a request after the connection's time is answered with Connection: close", async () => {
    const req = `GET / HTTP/1.1\r\nHost: a.test\r\n\r\n`;
    const res = await rawRequest(sluice.ports.web!, [req, req], 1500, 600);
    const heads = `${res.head}\r\n\r\n${res.rest.toString("latin1")}`.split("HTTP/1.1 ").slice(1);
    expect(heads.map((h) => /\r\nConnection: close\r\n/i.test(h))).toEqual([false, true]);
  });
});
