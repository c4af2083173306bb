// HTTP/2 through the real process, with independent HTTP/2 clients: Bun's
// node:http2 client (one connection, many streams, flow control both ways,
// a cancelled stream), headless Chromium (a browser's HPACK, priorities and
// settings) and nghttp2's h2load. Sluice's HTTP/2 server is ours
// (src/server/h2); these check it against implementations it did not write.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as http2 from "node:http2";
import { makeCa, type TestCa } from "../harness/certs.ts";
import { freePort } from "../harness/ports.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let ca: TestCa;
let sluice: RunningSluice;
let backend: ReturnType<typeof Bun.serve>;
/** Nothing listens there: its route answers 502. */
let deadPort = 0;
const MiB = 1024 * 1024;
/** A 1x1 GIF. */
const PIXEL = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

/** Bytes that differ by position, so a reordered or reused buffer would show. */
function pattern(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7 + (i >> 12)) & 0xff;
  return out;
}

beforeAll(async () => {
  ca = makeCa();
  backend = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/count") {
        let n = 0;
        for await (const chunk of req.body!) n += chunk.byteLength;
        return new Response(`${n}`);
      }
      if (url.pathname === "/big") return new Response(pattern(Number(url.searchParams.get("mib")) * MiB));
      if (url.pathname === "/page") {
        const imgs = Array.from({ length: 24 }, (_, i) => `<img src="/img/${i}">`).join("");
        return new Response(`<!doctype html><title>h2</title><p>24 images</p>${imgs}`, { headers: { "content-type": "text/html" } });
      }
      if (url.pathname.startsWith("/img/")) return new Response(PIXEL, { headers: { "content-type": "image/gif" } });
      return new Response(`hello ${url.pathname} ${req.headers.get("x-forwarded-proto")}`);
    },
  });
  const cert = ca.leaf(["h2.test", "dead.test"]);
  deadPort = await freePort();
  sluice = await startSluice({
    entryPoints: ["web", "websecure", "traefik"],
    // Traefik's entry point options for HTTP/2, and a readTimeout that stalled uploads run into.
    staticExtra: "accessLog: {}\n",
    entryPointExtra: "http2:\n  maxConcurrentStreams: 64\ntransport:\n  respondingTimeouts:\n    readTimeout: 1s",
    files: {
      "h2.yml": `
http:
  routers:
    all:
      rule: Host(\`h2.test\`)
      entryPoints: [websecure]
      service: backend
      tls: {}
    plain:
      rule: Host(\`h2.test\`)
      entryPoints: [web]
      service: backend
    dead:
      rule: Host(\`dead.test\`)
      entryPoints: [websecure]
      service: dead
      tls: {}
  services:
    backend:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:${backend.port}"}]
    dead:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:${deadPort}"}]
tls:
  certificates:
    - {certFile: ${cert.certFile}, keyFile: ${cert.keyFile}}
`,
    },
  });
});

afterAll(async () => {
  await sluice?.stop();
  backend?.stop(true);
  ca?.cleanup();
});

function connect(): http2.ClientHttp2Session {
  return http2.connect(`https://127.0.0.1:${sluice.ports.websecure}`, { ca: ca.caPem, servername: "h2.test" } as http2.SecureClientSessionOptions);
}

/** HTTP/2 with prior knowledge (h2c) on the plain entrypoint. */
function connectH2c(): http2.ClientHttp2Session {
  return http2.connect(`http://127.0.0.1:${sluice.ports.web}`);
}

function request(session: http2.ClientHttp2Session, path: string, opts: { method?: string; body?: Uint8Array; slowReader?: boolean } = {}) {
  return new Promise<{ status: number; bytes: number; text: string; sha1: string }>((resolve, reject) => {
    const stream = session.request({ ":method": opts.method ?? "GET", ":path": path, ":authority": "h2.test" }, { endStream: !opts.body });
    let status = 0;
    let bytes = 0;
    const firstBytes: Buffer[] = [];
    const hash = new Bun.CryptoHasher("sha1");
    stream.on("response", (h) => (status = Number(h[":status"])));
    stream.on("data", (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
      if (firstBytes.length < 4) firstBytes.push(c);
      if (opts.slowReader && bytes < 4 * MiB) {
        // Stop reading for a while: Sluice must hold back (flow control), not buffer without bound.
        stream.pause();
        setTimeout(() => stream.resume(), 5);
      }
    });
    stream.on("end", () => resolve({ status, bytes, text: Buffer.concat(firstBytes).toString().slice(0, 200), sha1: hash.digest("hex") }));
    stream.on("error", reject);
    if (opts.body) stream.end(opts.body);
  });
}

describe("HTTP/2 (our server) with independent clients", () => {
  test("100 concurrent streams on one connection all answer", async () => {
    const session = connect();
    try {
      // Past the announced 64, a client that knows our SETTINGS queues its streams.
      for (let i = 0; i < 100 && session.remoteSettings?.maxConcurrentStreams !== 64; i++) await Bun.sleep(20);
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => request(session, `/s${i}`)));
      results.forEach((r, i) => expect([r.status, r.text]).toEqual([200, `hello /s${i} https`]));
    } finally {
      session.close();
    }
  });

  test("a 12 MiB upload passes the stream and connection windows", async () => {
    const session = connect();
    try {
      const r = await request(session, "/count", { method: "POST", body: new Uint8Array(12 * MiB).fill(7) });
      expect([r.status, r.text]).toEqual([200, String(12 * MiB)]);
    } finally {
      session.close();
    }
  });

  test("a 16 MiB download to a slow reader arrives whole while another stream is cancelled", async () => {
    const session = connect();
    try {
      const cancelled = session.request({ ":method": "GET", ":path": "/big?mib=16", ":authority": "h2.test" });
      cancelled.on("error", () => {});
      cancelled.once("data", () => cancelled.close(http2.constants.NGHTTP2_CANCEL));
      const r = await request(session, "/big?mib=16", { slowReader: true });
      expect([r.status, r.bytes, r.sha1]).toEqual([200, 16 * MiB, new Bun.CryptoHasher("sha1").update(pattern(16 * MiB)).digest("hex")]);
      // The connection is still good after the cancel.
      expect((await request(session, "/after")).text).toBe("hello /after https");
    } finally {
      session.close();
    }
  });

  // Our server's options: on SLUICE_FRONT=serve, Bun.serve's own HTTP/2 serves and says so at start (notices.ts).
  test.skipIf(process.env.SLUICE_FRONT === "serve")("entryPoints.http2.maxConcurrentStreams reaches the client; readTimeout resets a stalled upload", async () => {
    const session = connect();
    try {
      // Bun's client may report its defaults first: wait (bounded) for ours.
      for (let i = 0; i < 100 && session.remoteSettings?.maxConcurrentStreams !== 64; i++) await Bun.sleep(20);
      expect(session.remoteSettings.maxConcurrentStreams).toBe(64);
      const stalled = session.request({ ":method": "POST", ":path": "/count", ":authority": "h2.test" });
      stalled.write(Buffer.alloc(1000));
      const started = performance.now();
      const code = await new Promise<number>((resolve) => {
        stalled.on("close", () => resolve(stalled.rstCode ?? -1));
        stalled.on("error", () => {});
      });
      const waited = performance.now() - started;
      expect(code).toBe(http2.constants.NGHTTP2_CANCEL);
      expect(waited).toBeGreaterThan(700);
      expect(waited).toBeLessThan(3000);
      // Other streams on the connection are not affected.
      expect((await request(session, "/later")).text).toBe("hello /later https");
    } finally {
      session.close();
    }
  });

  // On SLUICE_FRONT=serve, Bun.serve gives no protocol version: its access log says HTTP/1.1 for every request.
  test.skipIf(process.env.SLUICE_FRONT === "serve")("headless Chromium loads a page and its 24 images over HTTP/2", async () => {
    const chromium = Bun.which("chromium") ?? Bun.which("chromium-browser");
    if (!chromium) throw new Error("chromium is missing (apt-get install chromium)");
    const before = sluice.output().split("\n").length;
    const proc = Bun.spawn(
      [
        chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors", "--no-first-run",
        `--user-data-dir=${ca.dir}/chromium`, `--host-resolver-rules=MAP h2.test 127.0.0.1`,
        "--dump-dom", `https://h2.test:${sluice.ports.websecure}/page`,
      ],
      { stdout: "pipe", stderr: "ignore" },
    );
    const killer = setTimeout(() => proc.kill(), 30_000);
    const dom = await new Response(proc.stdout).text();
    clearTimeout(killer);
    await proc.exited;
    expect(dom).toContain("24 images");
    // Every image was asked for over HTTP/2 and answered 200 (the access log, CLF).
    const lines = () => sluice.output().split("\n").slice(before).filter((l) => /"GET \/img\/\d+ HTTP\/2\.0" 200 /.test(l));
    for (let i = 0; i < 100 && lines().length < 24; i++) await Bun.sleep(20);
    expect(lines().length).toBe(24);
  });

  // Bun.serve's own HTTP/2 (SLUICE_FRONT=serve) resets such a stream and curl loses the answer (exit 92).
  test.skipIf(process.env.SLUICE_FRONT === "serve")("curl uploading 2 MiB to a dead backend gets its 502 cleanly (the answer comes before the body ends)", async () => {
    const body = `${ca.dir}/upload.bin`;
    await Bun.write(body, new Uint8Array(2 * MiB));
    const port = sluice.ports.websecure;
    const proc = Bun.spawn(
      ["curl", "-sS", "--http2", "--max-time", "10", "--cacert", ca.caFile, "--resolve", `dead.test:${port}:127.0.0.1`, "-o", "/dev/null", "-w", "%{http_code} %{http_version}", "--data-binary", `@${body}`, `https://dead.test:${port}/up`],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    await proc.exited;
    expect([proc.exitCode, out, err]).toEqual([0, "502 2", ""]);
  });

  test("h2load (nghttp2): every request answered", async () => {
    if (!Bun.which("h2load")) throw new Error("h2load is missing (apt-get install nghttp2-client)");
    const proc = Bun.spawn(["h2load", "-n", "3000", "-c", "4", "-m", "20", "--connect-to", `127.0.0.1:${sluice.ports.websecure}`, `https://h2.test:${sluice.ports.websecure}/load`], { stdout: "pipe", stderr: "pipe" });
    const killer = setTimeout(() => proc.kill(), 30_000);
    const out = await new Response(proc.stdout).text();
    clearTimeout(killer);
    await proc.exited;
    expect(out).toContain("Application protocol: h2");
    expect(out).toMatch(/requests: 3000 total, 3000 started, 3000 done, 3000 succeeded, 0 failed/);
    expect(out).toMatch(/status codes: 3000 2xx/);
  });
});

// h2c with prior knowledge on a plain entrypoint, as Traefik serves it (gRPC
// clients and h2load use it). Bun.serve (SLUICE_FRONT=serve) has no h2c.
describe.skipIf(process.env.SLUICE_FRONT === "serve")("HTTP/2 with prior knowledge (h2c) on a plain entrypoint", () => {
  test("streams on one connection answer, proxied as plain HTTP", async () => {
    const session = connectH2c();
    try {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => request(session, `/c${i}`)));
      results.forEach((r, i) => expect([r.status, r.text]).toEqual([200, `hello /c${i} http`]));
    } finally {
      session.close();
    }
  });

  test("uploads and downloads bigger than the windows and the socket's buffers arrive whole", async () => {
    const session = connectH2c();
    try {
      const up = await request(session, "/count", { method: "POST", body: new Uint8Array(12 * MiB).fill(7) });
      expect([up.status, up.text]).toEqual([200, String(12 * MiB)]);
      const down = await request(session, "/big?mib=16", { slowReader: true });
      expect([down.status, down.bytes, down.sha1]).toEqual([200, 16 * MiB, new Bun.CryptoHasher("sha1").update(pattern(16 * MiB)).digest("hex")]);
    } finally {
      session.close();
    }
  });

  test("curl speaks h2c with prior knowledge and HTTP/1.1 on the same port", async () => {
    const url = `http://127.0.0.1:${sluice.ports.web}/curl`;
    const run = async (args: string[]) => {
      const proc = Bun.spawn(["curl", "-sS", "-m", "10", "-H", "Host: h2.test", "-w", " %{http_version}", ...args, url], { stdout: "pipe", stderr: "pipe" });
      return (await new Response(proc.stdout).text()).trim();
    };
    expect(await run(["--http2-prior-knowledge"])).toBe("hello /curl http 2");
    expect(await run([])).toBe("hello /curl http 1.1");
  });

  test("h2load: every request over h2c answers 2xx", async () => {
    const h2load = Bun.which("h2load");
    if (!h2load) throw new Error("h2load is missing (apt-get install nghttp2-client)");
    const proc = Bun.spawn([h2load, "-n", "2000", "-c", "4", "-m", "10", "-H", ":authority: h2.test", `http://127.0.0.1:${sluice.ports.web}/load`], { stdout: "pipe", stderr: "pipe" });
    const killer = setTimeout(() => proc.kill(), 30_000);
    const out = await new Response(proc.stdout).text();
    clearTimeout(killer);
    expect(out).toContain("Application protocol: h2c");
    expect(out).toMatch(/status codes: 2000 2xx, 0 3xx, 0 4xx, 0 5xx/);
  });
});
