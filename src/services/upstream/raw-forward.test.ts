import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closedPort, eventually, rawClient, startFront, type TestFront } from "./raw-forward.test-front.ts";
import { drain, patternBytes, sha256, startRawBackend, startServeBackend, streamOf, type RawBackend } from "./test-backends.ts";

const TEN_MB = 10 * 1024 * 1024;
const big = patternBytes(TEN_MB, 7);
let serve: ReturnType<typeof startServeBackend>;
let front: TestFront;
const fronts: TestFront[] = [];
const backends: RawBackend[] = [];

beforeAll(() => {
  serve = startServeBackend(big);
  front = startFront(serve.port!);
  fronts.push(front);
});
afterAll(() => {
  for (const f of fronts) f.stop();
  for (const b of backends) b.stop();
  serve.stop(true);
});

const url = (path: string) => `http://127.0.0.1:${front.port}${path}`;
const get = (path: string, init: RequestInit = {}) => fetch(url(path), { proxy: false, decompress: false, ...init });

function rawBackend(handler: Parameters<typeof startRawBackend>[0]): RawBackend {
  const b = startRawBackend(handler);
  backends.push(b);
  return b;
}

describe("RawUpstreamPool.forward", () => {
  test("GET passes status, headers and body; the request reaches the backend with its path", async () => {
    const res = await get("/hello?x=1");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-path")).toBe("/hello?x=1");
    expect(await res.text()).toBe("hello world");
  });

  test.each([
    ["Content-Length", false],
    ["chunked", true],
  ])("POST with %s body is echoed with matching upstream framing", async (_name, chunked) => {
    const data = patternBytes(300_000, 3);
    const res = await get("/echo", { method: "POST", body: chunked ? streamOf(data, 10_000) : data });
    const body = new Uint8Array(await res.arrayBuffer());
    expect(sha256(body)).toBe(sha256(data));
    expect(res.headers.get("x-req-transfer-encoding")).toBe(chunked ? "chunked" : "");
    expect(res.headers.get("x-req-content-length")).toBe(chunked ? "" : String(data.length));
  });

  test("10 MB upload arrives whole (checksum)", async () => {
    const res = await get("/sha", { method: "POST", body: streamOf(big, 256 * 1024) });
    expect(await res.json()).toEqual({ length: TEN_MB, sha: sha256(big) });
  });

  test("10 MB Content-Length upload arrives whole (checksum)", async () => {
    // Sent as one buffer: Content-Length framing, large socket reads that the front frees once written upstream.
    const res = await get("/sha", { method: "POST", body: big });
    expect(await res.json()).toEqual({ length: TEN_MB, sha: sha256(big) });
  });

  test("after a Content-Length body, the next request on the connection is served", async () => {
    const c = await rawClient(front.port);
    const body = patternBytes(1000, 5);
    const head = (n: number) => `POST /sha HTTP/1.1\r\nHost: a\r\nContent-Length: ${n}\r\n\r\n`;
    // The body in its own write (a read of body bytes only), then body and the next request in one write.
    c.socket.write(head(body.length));
    await Bun.sleep(20);
    c.socket.write(body);
    expect(await c.until((s) => s.includes(sha256(body)))).toBe(true);
    c.socket.write(Buffer.concat([Buffer.from(head(body.length)), body, Buffer.from("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")]));
    expect(await c.until((s) => s.endsWith("hello world"))).toBe(true);
    c.socket.end();
    expect(c.text().split(sha256(body)).length - 1).toBe(2);
  });

  test.each(["/big", "/big-chunked"])("10 MB download %s arrives whole (checksum)", async (path) => {
    const res = await get(path);
    expect(await drain(res.body)).toEqual({ length: TEN_MB, sha: sha256(big) });
  });

  test("HEAD, 204 and 304 carry no body and the client connection stays usable", async () => {
    const c = await rawClient(front.port);
    c.socket.write("HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\nGET /204 HTTP/1.1\r\nHost: a\r\n\r\nGET /304 HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(await c.until((s) => s.endsWith("hello world"))).toBe(true);
    const s = c.text();
    c.socket.end();
    expect(s.split("HTTP/1.1 ").length - 1).toBe(4);
    expect(s.split("hello world").length - 1).toBe(1);
    expect(s).toContain("HTTP/1.1 204 ");
    expect(s).toContain("HTTP/1.1 304 ");
    expect(s.startsWith("HTTP/1.1 200 ")).toBe(true);
    expect(s.slice(0, s.indexOf("\r\n\r\n"))).toContain("Content-Length: 11");
  });

  test("several Set-Cookie fields stay apart", async () => {
    const res = await get("/cookies");
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2, c=3; Path=/x"]);
  });

  test("hop-by-hop response fields are stripped, others kept", async () => {
    const b = rawBackend((_req, conn) => {
      void conn.write(
        "HTTP/1.1 200 OK\r\nConnection: X-Secret, keep-alive\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nProxy-Authenticate: Basic\r\n" +
          "Trailer: X-T\r\nUpgrade: h2c\r\nTE: trailers\r\nX-Kept: yes\r\nContent-Length: 2\r\n\r\nok",
      );
    });
    const res = await get("/", { headers: { "x-to": String(b.port) } });
    expect(await res.text()).toBe("ok");
    expect(res.headers.get("x-kept")).toBe("yes");
    for (const name of ["x-secret", "keep-alive", "proxy-authenticate", "trailer", "upgrade", "te"]) expect(res.headers.get(name)).toBeNull();
  });

  test("refused: rejects with `refused` and nothing was written before the 502", async () => {
    const before = front.errors.length;
    const res = await get("/", { headers: { "x-to": String(closedPort()) } });
    expect(res.status).toBe(502);
    expect(await res.text()).toBe("refused");
    expect(front.errors[before]?.kind).toBe("refused");
    expect(front.writeAfterError).toEqual([]);
  });

  test("a malformed upstream head is a protocol error (502)", async () => {
    const b = rawBackend((_req, conn) => void conn.write("HTTP/1.1 200 OK\r\nBad Header : x\r\nContent-Length: 0\r\n\r\n"));
    const res = await get("/", { headers: { "x-to": String(b.port) } });
    expect(res.status).toBe(502);
    expect(await res.text()).toBe("protocol");
  });

  test("header timeout: 504 and the upstream socket is closed", async () => {
    const b = rawBackend(() => {}); // never answers
    const f = startFront(b.port, { responseHeaderTimeoutMs: 150 });
    fronts.push(f);
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${f.port}/`, { proxy: false });
    expect(res.status).toBe(504);
    expect(await res.text()).toBe("header-timeout");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(await eventually(() => b.closed === 1)).toBe(true);
  });

  test("keep-alive: sequential requests reuse one upstream connection", async () => {
    const b = rawBackend((req, conn) => void conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${String(req.seq).length}\r\n\r\n${req.seq}`));
    const bodies: string[] = [];
    for (let i = 0; i < 5; i++) bodies.push(await (await get("/", { headers: { "x-to": String(b.port) } })).text());
    expect(bodies).toEqual(["1", "2", "3", "4", "5"]);
    expect(b.accepted).toBe(1);
  });

  test("idle pooled connections are closed after idleConnTimeoutMs", async () => {
    const b = rawBackend((_req, conn) => void conn.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"));
    const f = startFront(b.port, {}, { idleConnTimeoutMs: 100 });
    fronts.push(f);
    expect(await (await fetch(`http://127.0.0.1:${f.port}/`, { proxy: false })).text()).toBe("x");
    expect(f.pool.idleConnections()).toBe(1);
    expect(await eventually(() => b.closed === 1, 2000)).toBe(true);
    expect(f.pool.idleConnections()).toBe(0);
  });

  test("an upstream answering before the upload ended: response forwarded, sockets not reused", async () => {
    const b = rawBackend((_req, conn) => void conn.write("HTTP/1.1 413 Too Large\r\nContent-Length: 3\r\n\r\nbig"));
    const c = await rawClient(front.port);
    c.socket.write(`POST / HTTP/1.1\r\nHost: a\r\nX-To: ${b.port}\r\nContent-Length: 5000000\r\n\r\n${"x".repeat(1000)}`);
    expect(await c.until((s) => s.endsWith("big"))).toBe(true);
    expect(c.text().startsWith("HTTP/1.1 413 ")).toBe(true);
    expect(c.text()).toContain("Connection: close\r\n");
    expect(await eventually(() => b.closed === 1)).toBe(true);
    c.socket.end();
  });

  test("Connection: close from the upstream is not pooled", async () => {
    const b = rawBackend((_req, conn) => void conn.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"));
    for (let i = 0; i < 3; i++) expect(await (await get("/", { headers: { "x-to": String(b.port) } })).text()).toBe("x");
    expect(b.accepted).toBe(3);
  });

  test("a stale pooled socket is retried once on a fresh connection", async () => {
    // The second request on any connection gets closed without an answer, as
    // when the upstream's keep-alive timeout races our reuse.
    const b = rawBackend((req, conn) => {
      if (req.seq > 1) return conn.end();
      void conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    const first = await get("/", { headers: { "x-to": String(b.port) } });
    expect(await first.text()).toBe("ok");
    const second = await get("/", { headers: { "x-to": String(b.port) } });
    expect(second.status).toBe(200);
    expect(await second.text()).toBe("ok");
    expect(b.accepted).toBe(2);
  });

  test("a request with a body is not retried on a stale socket (502 reset)", async () => {
    const b = rawBackend((req, conn) => {
      if (req.seq > 1) return conn.end();
      void conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    expect(await (await get("/", { headers: { "x-to": String(b.port) } })).text()).toBe("ok");
    const res = await get("/", { method: "POST", body: "abc", headers: { "x-to": String(b.port) } });
    expect(res.status).toBe(502);
    expect(await res.text()).toBe("reset");
  });

  test("client abort mid-body closes the upstream socket", async () => {
    const b = rawBackend((_req, conn) => void conn.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\npartial"));
    const c = await rawClient(front.port);
    c.socket.write(`GET / HTTP/1.1\r\nHost: a\r\nX-To: ${b.port}\r\n\r\n`);
    expect(await c.until((s) => s.endsWith("partial"))).toBe(true);
    const before = front.results.length;
    c.socket.end();
    expect(await eventually(() => b.closed === 1)).toBe(true);
    expect(await eventually(() => front.results.length > before)).toBe(true);
    expect(front.results.at(-1)?.incomplete).toBeDefined();
  });

  test("client abort before the response head closes the upstream socket and rejects `aborted`", async () => {
    const b = rawBackend(() => {}); // never answers
    const c = await rawClient(front.port);
    const before = front.errors.length;
    c.socket.write(`GET / HTTP/1.1\r\nHost: a\r\nX-To: ${b.port}\r\n\r\n`);
    expect(await eventually(() => b.accepted === 1)).toBe(true);
    c.socket.end();
    expect(await eventually(() => b.closed === 1)).toBe(true);
    expect(await eventually(() => front.errors.length > before)).toBe(true);
    expect(front.errors.at(-1)?.kind).toBe("aborted");
  });

  test("upstream dying mid-body cuts the client connection (no well-framed short response)", async () => {
    const b = rawBackend((_req, conn) => {
      void conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-this").then(() => conn.end());
    });
    const c = await rawClient(front.port);
    c.socket.write(`GET / HTTP/1.1\r\nHost: a\r\nX-To: ${b.port}\r\n\r\n`);
    await c.until(() => false, 1500);
    expect(c.closed).toBe(true);
    expect(c.text().endsWith("only-this")).toBe(true);
  });

  test("slow client: the upstream is paused (bounded buffering), then everything arrives", async () => {
    const total = 64 * 1024 * 1024;
    const piece = patternBytes(1024 * 1024, 5);
    let conn: { written: number } | null = null;
    const b = rawBackend(async (_req, c) => {
      conn = c;
      await c.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
      for (let i = 0; i < total / piece.length && !c.closed; i++) await c.write(piece);
    });
    const c = await rawClient(front.port);
    c.socket.pause();
    c.socket.write(`GET / HTTP/1.1\r\nHost: a\r\nX-To: ${b.port}\r\n\r\n`);
    await Bun.sleep(800);
    const writtenWhilePaused = conn ? (conn as { written: number }).written : -1;
    expect(writtenWhilePaused).toBeGreaterThan(0);
    expect(writtenWhilePaused).toBeLessThan(total / 2);
    c.socket.resume();
    expect(await c.until(() => c.receivedBytes >= total + 40, 20_000)).toBe(true);
    const bodyStart = c.received.indexOf("\r\n\r\n") + 4;
    expect(c.received.length - bodyStart).toBe(total);
    // Content intact too (queued chunks were not overwritten while waiting).
    let same = true;
    for (let off = bodyStart; off < c.received.length && same; off += piece.length) same = c.received.subarray(off, off + piece.length).equals(piece);
    expect(same).toBe(true);
    c.socket.end();
  }, 30_000);
});
