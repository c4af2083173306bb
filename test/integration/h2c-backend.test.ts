// `h2c://` servers (HTTP/2 cleartext with prior knowledge, RFC 9113 §3.3), as
// Traefik users point at gRPC services. The backend is a real HTTP/2 server
// (Bun's node:http2) that speaks nothing else, answers like a gRPC service
// (grpc-status in trailers), and reports what it received.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as http2 from "node:http2";
import { freePort } from "../harness/ports.ts";
import { rawRequest } from "../harness/raw-http.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

const MiB = 1024 * 1024;
const serveFront = process.env.SLUICE_FRONT === "serve";

let backend: http2.Http2Server;
let backendPort = 0;
/** A backend that allows 2 concurrent streams and answers each after 50 ms. */
let narrow: http2.Http2Server;
let silent: Bun.TCPSocketListener<{ greeted: boolean }>;
let sluice: RunningSluice;
/** What /health answers; the h2c health check must see it change. */
let healthStatus = 200;

function pattern(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 13 + (i >> 10)) & 0xff;
  return out;
}
const sha1 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha1").update(bytes).digest("hex");

beforeAll(async () => {
  backend = http2.createServer();
  backend.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    const path = String(headers[":path"]);
    if (path === "/health") return void stream.respond({ ":status": healthStatus }, { endStream: true });
    if (path.startsWith("/big")) {
      stream.respond({ ":status": 200, "content-length": String(32 * MiB) });
      return void stream.end(pattern(32 * MiB));
    }
    const hash = new Bun.CryptoHasher("sha1");
    let received = 0;
    let trailers = "none";
    stream.on("trailers", (t: http2.IncomingHttpHeaders) => (trailers = JSON.stringify({ ...t })));
    stream.on("data", (c: Buffer) => {
      received += c.length;
      hash.update(c);
    });
    stream.on("end", () => {
      stream.respond(
        {
          ":status": 200,
          "content-type": "application/grpc",
          "x-seen-path": path,
          "x-seen-authority": String(headers[":authority"]),
          "x-seen-te": String(headers.te),
          "x-seen-xff": String(headers["x-forwarded-for"]),
          "x-received": `${received} ${hash.digest("hex")}`,
          "x-seen-trailers": trailers,
        },
        { waitForTrailers: true },
      );
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "grpc-message": "done" }));
      stream.end("reply");
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  backendPort = (backend.address() as { port: number }).port;
  narrow = http2.createServer({ settings: { maxConcurrentStreams: 2 } });
  narrow.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    stream.resume();
    stream.on("end", () => setTimeout(() => {
      if (stream.closed) return;
      stream.respond({ ":status": 200 });
      stream.end(`ok ${headers[":path"]}`);
    }, 50));
  });
  await new Promise<void>((resolve) => narrow.listen(0, "127.0.0.1", resolve));
  const narrowPort = (narrow.address() as { port: number }).port;
  // A peer that completes the HTTP/2 handshake (its SETTINGS and the ACK of
  // ours) and then goes silent, like a black-holed connection: no response,
  // no PING answer.
  silent = Bun.listen<{ greeted: boolean }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = { greeted: false };
      },
      data(socket) {
        if (socket.data.greeted) return;
        socket.data.greeted = true;
        socket.write(new Uint8Array([0, 0, 0, 4, 0, 0, 0, 0, 0, /* SETTINGS ACK */ 0, 0, 0, 4, 1, 0, 0, 0, 0]));
      },
    },
  });
  const deadPort = await freePort();
  sluice = await startSluice({
    files: {
      "h2c.yml": `
http:
  routers:
    grpc:
      rule: Host(\`grpc.test\`)
      service: grpc
    checked:
      rule: Host(\`checked.test\`)
      service: checked
    dead:
      rule: Host(\`dead.test\`)
      service: dead
    narrow:
      rule: Host(\`narrow.test\`)
      service: narrow
    silent:
      rule: Host(\`silent.test\`)
      service: silent
  serversTransports:
    pinged:
      forwardingTimeouts: {readIdleTimeout: 100ms, pingTimeout: 300ms}
  services:
    silent:
      loadBalancer:
        serversTransport: pinged
        servers: [{url: "h2c://127.0.0.1:${silent.port}"}]
    narrow:
      loadBalancer:
        serversTransport: pinged
        servers: [{url: "h2c://127.0.0.1:${narrowPort}"}]
    grpc:
      loadBalancer:
        servers: [{url: "h2c://127.0.0.1:${backendPort}"}]
    checked:
      loadBalancer:
        servers: [{url: "h2c://127.0.0.1:${backendPort}"}]
        healthCheck: {path: /health, interval: 100ms, timeout: 1s}
    dead:
      loadBalancer:
        servers: [{url: "h2c://127.0.0.1:${deadPort}"}]
`,
    },
  });
});

afterAll(async () => {
  await sluice?.stop();
  backend?.close();
  narrow?.close();
  silent?.stop(true);
});

/** One HTTP/1.1 exchange on a raw socket (the harness's), as text, so the chunked body's trailer section is visible. */
async function rawHttp1(request: string): Promise<string> {
  const res = await rawRequest(sluice.ports.web, request, 10_000);
  return `${res.head}\r\n\r\n${res.rest.toString("latin1")}`;
}

describe("h2c:// servers", () => {
  test("an HTTP/1.1 request reaches the backend over HTTP/2 with its path, authority, forwarded headers and TE: trailers", async () => {
    const res = await fetch(sluice.url("web", "/pkg.Svc/Call?x=1"), { method: "POST", headers: { host: "grpc.test", te: "trailers" }, body: "ping" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("reply");
    expect(res.headers.get("x-seen-path")).toBe("/pkg.Svc/Call?x=1");
    expect(res.headers.get("x-seen-authority")).toBe("grpc.test");
    expect(res.headers.get("x-seen-xff")).toBe("127.0.0.1");
    expect(res.headers.get("x-received")).toBe(`4 ${sha1(new TextEncoder().encode("ping"))}`);
    // Only the raw path passes TE on (as Go's ReverseProxy does); Bun.serve's path sends none.
    expect(res.headers.get("x-seen-te")).toBe(serveFront ? "undefined" : "trailers");
  });

  test.skipIf(serveFront)("the backend's trailers reach an HTTP/1.1 client in the chunked trailer section", async () => {
    const text = await rawHttp1("POST /pkg.Svc/Call HTTP/1.1\r\nHost: grpc.test\r\nTE: trailers\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text.toLowerCase()).toContain("transfer-encoding: chunked");
    expect(text).toMatch(/\r\n0\r\ngrpc-status: 0\r\ngrpc-message: done\r\n\r\n$/);
  });

  test.skipIf(serveFront)("an HTTP/2 client (h2c to Sluice) gets the response and its trailers as HTTP/2 trailers", async () => {
    const session = http2.connect(`http://127.0.0.1:${sluice.ports.web}`);
    try {
      const got = await new Promise<{ status: number; body: string; trailers: Record<string, unknown> }>((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": "/pkg.Svc/Stream", ":authority": "grpc.test", "content-type": "application/grpc", te: "trailers" });
        let status = 0;
        let body = "";
        let trailers: Record<string, unknown> = {};
        stream.on("response", (h) => (status = Number(h[":status"])));
        stream.on("data", (c: Buffer) => (body += c.toString()));
        stream.on("trailers", (t) => (trailers = { ...t }));
        stream.on("end", () => resolve({ status, body, trailers }));
        stream.on("error", reject);
        stream.end("abc");
      });
      expect(got.status).toBe(200);
      expect(got.body).toBe("reply");
      expect(got.trailers).toMatchObject({ "grpc-status": "0", "grpc-message": "done" });
    } finally {
      session.close();
    }
  });

  test.skipIf(serveFront)("request trailers reach the backend as HTTP/2 trailers; a body without them just ends", async () => {
    const withTrailers = await rawHttp1(
      "POST /up HTTP/1.1\r\nHost: grpc.test\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\nConnection: close\r\n\r\n" +
        "3\r\nabc\r\n0\r\nX-Checksum: c0ffee\r\n\r\n",
    );
    expect(withTrailers).toMatch(/^HTTP\/1\.1 200 /);
    expect(withTrailers).toContain('x-seen-trailers: {"x-checksum":"c0ffee"}');
    expect(withTrailers).toContain(`x-received: 3 ${sha1(new TextEncoder().encode("abc"))}`);
    const plain = await rawHttp1("POST /up HTTP/1.1\r\nHost: grpc.test\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
    expect(plain).toContain("x-seen-trailers: none");
    expect(plain).toContain(`x-received: 3 ${sha1(new TextEncoder().encode("abc"))}`);
  });

  test.skipIf(serveFront)("an HTTP/2 client's request trailers reach the backend too", async () => {
    const session = http2.connect(`http://127.0.0.1:${sluice.ports.web}`);
    try {
      const seen = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": "/up", ":authority": "grpc.test" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "x-checksum": "beef" }));
        stream.on("response", (h) => resolve(String(h["x-seen-trailers"])));
        stream.on("data", () => {});
        stream.on("error", reject);
        stream.end("abc");
      });
      expect(seen).toBe('{"x-checksum":"beef"}');
    } finally {
      session.close();
    }
  });

  test("large bodies stream both ways intact", async () => {
    const upload = pattern(20 * MiB);
    const up = await fetch(sluice.url("web", "/upload"), { method: "POST", headers: { host: "grpc.test" }, body: upload });
    expect(up.headers.get("x-received")).toBe(`${upload.length} ${sha1(upload)}`);
    await up.arrayBuffer();
    const down = await fetch(sluice.url("web", "/big"), { headers: { host: "grpc.test" } });
    expect(down.status).toBe(200);
    const body = new Uint8Array(await down.arrayBuffer());
    expect(body.length).toBe(32 * MiB);
    expect(sha1(body)).toBe(sha1(pattern(32 * MiB)));
  });

  test("requests beyond the server's concurrent-stream limit wait for a slot instead of being refused", async () => {
    // 12 at once against a limit of 2: sent all together, the server would answer REFUSED_STREAM to 10.
    const results = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const res = await fetch(sluice.url("web", `/n${i}`), { headers: { host: "narrow.test" } });
        return [res.status, await res.text()];
      }),
    );
    results.forEach((r, i) => expect(r).toEqual([200, `ok /n${i}`]));
  });

  test("with readIdleTimeout and pingTimeout, a server that stops answering PINGs is dropped: 502 instead of a hang", async () => {
    const started = performance.now();
    const res = await fetch(sluice.url("web", "/x"), { headers: { host: "silent.test" }, signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(502);
    await res.text();
    // One PING after 100 ms, unanswered for 300 ms.
    expect(performance.now() - started).toBeLessThan(3000);
  });

  test("a server nobody listens on answers 502", async () => {
    const res = await fetch(sluice.url("web", "/x"), { headers: { host: "dead.test" } });
    expect(res.status).toBe(502);
    await res.text();
  });

  test("health checks of an h2c server speak HTTP/2: up while /health says 200, out when it says 500, back again", async () => {
    const statusOf = async () => {
      const res = await fetch(sluice.url("web", "/x"), { method: "POST", headers: { host: "checked.test" }, body: "" });
      await res.arrayBuffer();
      return res.status;
    };
    const waitFor = async (want: number) => {
      for (let i = 0; i < 60; i++) {
        if ((await statusOf()) === want) return want;
        await Bun.sleep(50);
      }
      return statusOf();
    };
    // An HTTP/1.1 probe could not talk to this backend at all and would take the server out.
    await Bun.sleep(400);
    expect(await statusOf()).toBe(200);
    healthStatus = 500;
    expect(await waitFor(503)).toBe(503);
    healthStatus = 200;
    expect(await waitFor(200)).toBe(200);
  });
});
