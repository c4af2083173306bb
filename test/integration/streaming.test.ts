// Bodies through the real Sluice process: large transfers in bounded memory,
// framing of small and bodiless responses, header handling, SSE latency.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { Digest, deterministicStream, digestStream } from "../harness/data.ts";
import { headerValues, rawRequest } from "../harness/raw-http.ts";
import { MiB, readRss, sampleRss } from "../harness/rss.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";
import { startStreamingBackends, streamingDynamicConfig, type StreamingBackends } from "./streaming-backends.ts";

// 1 GiB each way; SLUICE_IT_BIG_MIB lowers it on a slow machine.
const BIG = Number(process.env.SLUICE_IT_BIG_MIB ?? 1024) * MiB;
const RSS_LIMIT = 256 * MiB;

let backends: StreamingBackends;
let sluice: RunningSluice;
let port: number;

beforeAll(async () => {
  backends = await startStreamingBackends();
  sluice = await startSluice({ files: { "routes.yml": streamingDynamicConfig(backends.bun.port!, backends.nodePort) } });
  port = sluice.ports.web!;
  // The file provider may land just after /ping answers.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (await fetch(sluice.url("web", "/small"))).status !== 200) await Bun.sleep(50);
});

afterAll(async () => {
  await sluice?.stop();
  await backends?.stop();
});

const get = (path: string, init?: RequestInit) =>
  fetch(`http://127.0.0.1:${port}${path}`, { decompress: false, redirect: "manual", ...init } as RequestInit);

describe("large bodies in bounded memory", () => {
  test(`download of ${BIG / MiB} MiB arrives intact, Sluice RSS stays under 256 MiB`, async () => {
    const rss = sampleRss(sluice.proc.pid, 100);
    const started = performance.now();
    const res = await get(`/download?bytes=${BIG}&id=big`);
    expect(res.status).toBe(200);
    const got = await digestStream(res.body!);
    const peak = rss.stop();
    const sent = backends.downloads.get("big")!;
    expect(got.bytes).toBe(BIG);
    expect(sent.bytes).toBe(BIG);
    expect(got.hex).toBe(sent.hex());
    console.log(`download ${BIG / MiB} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s, peak RSS ${(peak / MiB).toFixed(0)} MiB (${rss.samples()} samples)`);
    expect(rss.samples()).toBeGreaterThan(3);
    expect(peak).toBeLessThan(RSS_LIMIT);
  }, 60_000);

  test(`upload of ${BIG / MiB} MiB (chunked) arrives intact, Sluice RSS stays under 256 MiB`, async () => {
    const rss = sampleRss(sluice.proc.pid, 100);
    const started = performance.now();
    const sent = new Digest();
    const res = await get("/upload", { method: "POST", body: deterministicStream(BIG, (c) => sent.update(c)), duplex: "half" } as RequestInit);
    expect(res.status).toBe(200);
    const got = (await res.json()) as { hex: string; bytes: number };
    const peak = rss.stop();
    expect(sent.bytes).toBe(BIG);
    expect(got.bytes).toBe(BIG);
    expect(got.hex).toBe(sent.hex());
    console.log(`upload ${BIG / MiB} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s, peak RSS ${(peak / MiB).toFixed(0)} MiB`);
    expect(peak).toBeLessThan(RSS_LIMIT);
  }, 60_000);

  test("a chunked upload without Content-Length reaches the backend intact", async () => {
    const parts = ["first part|", "second, longer part|", "x".repeat(70_000), "|last"];
    const body = parts.join("");
    const chunked = parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`);
    const res = await rawRequest(
      port,
      [`POST /upload HTTP/1.1\r\nHost: stream.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`, ...chunked, "0\r\n\r\n"],
      5000,
    );
    expect(res.status).toBe(200);
    const text = decodeBody(res.rest, headerValues(res, "transfer-encoding")[0]);
    const got = JSON.parse(text) as { hex: string; bytes: number; contentLength: string | null };
    const want = new Bun.CryptoHasher("sha1").update(body).digest("hex");
    expect(got.bytes).toBe(Buffer.byteLength(body));
    expect(got.hex).toBe(want);
  }, 15_000);

  test("a slow reader of a large response does not make Sluice buffer it", async () => {
    const baseline = readRss(sluice.proc.pid);
    const rss = sampleRss(sluice.proc.pid, 100);
    const producedBefore = backends.endlessProduced();
    const socket = connect(port, "127.0.0.1");
    let received = 0;
    socket.on("data", (c: Buffer) => {
      received += c.byteLength;
      // About 64 KiB per 20 ms at most: ~3 MiB/s, far slower than loopback.
      socket.pause();
      setTimeout(() => socket.resume(), 20);
    });
    socket.on("error", () => {});
    socket.write("GET /endless HTTP/1.1\r\nHost: stream.test\r\n\r\n");
    await Bun.sleep(4000);
    socket.destroy();
    const peak = rss.stop();
    const produced = backends.endlessProduced() - producedBefore;
    console.log(`slow reader: received ${(received / MiB).toFixed(1)} MiB, backend produced ${(produced / MiB).toFixed(1)} MiB, RSS ${(baseline / MiB).toFixed(0)} -> peak ${(peak / MiB).toFixed(0)} MiB`);
    expect(received).toBeGreaterThan(0);
    // Unbounded buffering would pull gigabytes from a loopback backend in 4 s.
    expect(produced - received).toBeLessThan(64 * MiB);
    expect(peak - baseline).toBeLessThan(64 * MiB);
    expect(peak).toBeLessThan(RSS_LIMIT);
  }, 15_000);
});

describe("framing", () => {
  test("a small response keeps its Content-Length", async () => {
    const res = await rawRequest(port, "GET /small HTTP/1.1\r\nHost: stream.test\r\nConnection: close\r\n\r\n");
    expect(res.status).toBe(200);
    expect(headerValues(res, "content-length")).toEqual(["19"]);
    expect(headerValues(res, "transfer-encoding")).toEqual([]);
    expect(res.rest.toString()).toBe("hello, small world\n");
  });

  test.each([
    ["HEAD", "/head", 200],
    ["GET", "/no-content", 204],
    ["GET", "/not-modified", 304],
  ])("%s %s answers %d without a body", async (method, path, status) => {
    const res = await rawRequest(port, `${method} ${path} HTTP/1.1\r\nHost: stream.test\r\nConnection: close\r\n\r\n`);
    expect(res.status).toBe(status);
    expect(res.rest.byteLength).toBe(0);
    if (method === "HEAD") {
      expect(headerValues(res, "x-route")).toEqual(["head"]);
      // The length of the body a GET would have had.
      expect(headerValues(res, "content-length")).toEqual(["1234"]);
    }
  });

  test("HEAD and 204 leave a keep-alive connection usable for the next request", async () => {
    const req = (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: stream.test\r\n\r\n`;
    // One request at a time on the connection (pipelining: see the todo below).
    const res = await rawRequest(port, [req("HEAD", "/head"), req("GET", "/no-content"), req("GET", "/small")], 500, 200);
    // Three heads in order, and the only body is the last one.
    const all = Buffer.concat([Buffer.from(res.head + "\r\n\r\n", "latin1"), res.rest]).toString("latin1");
    expect(all.match(/^HTTP\/1\.1 \d{3}/gm)).toEqual(["HTTP/1.1 200", "HTTP/1.1 204", "HTTP/1.1 200"]);
    expect(all.endsWith("\r\n\r\nhello, small world\n")).toBe(true);
  });

  // Bun.serve (uWS) closes the connection with nothing written when a request is
  // pipelined behind an async response (oven-sh/bun PRs #32868, #38128; seen on
  // 1.4.5). Every proxied response is async, so only the raw front can do it.
  test.skipIf(process.env.SLUICE_FRONT === "serve")("pipelined requests are answered in order", async () => {
    const req = (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: stream.test\r\n\r\n`;
    // All three requests in one write, before any answer.
    const res = await rawRequest(port, req("HEAD", "/head") + req("GET", "/no-content") + req("GET", "/small"), 1500);
    const all = Buffer.concat([Buffer.from(res.head + "\r\n\r\n", "latin1"), res.rest]).toString("latin1");
    expect(all.match(/^HTTP\/1\.1 \d{3}/gm)).toEqual(["HTTP/1.1 200", "HTTP/1.1 204", "HTTP/1.1 200"]);
    expect(all.endsWith("\r\n\r\nhello, small world\n")).toBe(true);
  });
});

describe("headers", () => {
  test("several Set-Cookie headers stay apart", async () => {
    const res = await get("/cookies");
    expect(res.headers.getSetCookie()).toEqual([
      "a=1; Path=/; HttpOnly",
      "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/",
      "c=3",
    ]);
    const raw = await rawRequest(port, "GET /cookies HTTP/1.1\r\nHost: stream.test\r\nConnection: close\r\n\r\n");
    expect(headerValues(raw, "set-cookie")).toHaveLength(3);
  });

  test("a gzip body passes through still compressed, byte for byte", async () => {
    expect(backends.gzipBody.byteLength).toBeGreaterThan(64 * 1024);
    const res = await get("/gzip", { headers: { "accept-encoding": "gzip" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.byteLength).toBe(backends.gzipBody.byteLength);
    expect(Buffer.compare(Buffer.from(bytes), Buffer.from(backends.gzipBody))).toBe(0);
  });

  test("a 302 is passed to the client, not followed", async () => {
    const before = backends.redirectTargetHits();
    const res = await get("/redirect");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/redirect-target");
    expect(backends.redirectTargetHits()).toBe(before);
  });

  test("hop-by-hop request headers are not forwarded", async () => {
    const res = await rawRequest(
      port,
      "GET /echo-headers HTTP/1.1\r\nHost: stream.test\r\n" +
        "Connection: close, X-Conn-Named\r\nX-Conn-Named: secret\r\nKeep-Alive: timeout=42\r\nTE: trailers\r\n" +
        "Upgrade: foo/1\r\nProxy-Authorization: Basic c2VjcmV0\r\nProxy-Connection: keep-alive\r\nX-Kept: yes\r\n\r\n",
      5000,
    );
    expect(res.status).toBe(200);
    const seen = new Map(JSON.parse(decodeBody(res.rest, headerValues(res, "transfer-encoding")[0])) as [string, string][]);
    expect(seen.get("x-kept")).toBe("yes");
    for (const h of ["x-conn-named", "keep-alive", "te", "upgrade", "proxy-authorization", "proxy-connection"]) {
      expect({ h, v: seen.get(h) }).toEqual({ h, v: undefined });
    }
    // The backend may get its own Connection header from the upstream client, never the client's.
    expect(seen.get("connection") ?? "").not.toContain("X-Conn-Named");
  });

  test("hop-by-hop response headers are not passed back", async () => {
    const res = await rawRequest(port, "GET /node/hop HTTP/1.1\r\nHost: stream.test\r\nConnection: close\r\n\r\n");
    expect(res.status).toBe(200);
    expect(headerValues(res, "x-resp-kept")).toEqual(["yes"]);
    for (const h of ["x-resp-named", "upgrade", "proxy-authenticate", "proxy-authorization"]) {
      expect({ h, v: headerValues(res, h) }).toEqual({ h, v: [] });
    }
    expect(headerValues(res, "keep-alive").join()).not.toContain("timeout=42");
    expect(headerValues(res, "connection").join()).not.toContain("X-Resp-Named");
    expect(res.rest.toString()).toBe("hop\n");
  });
});

describe("server-sent events", () => {
  test("the first event reaches the client before the second is sent", async () => {
    const started = performance.now();
    const res = await get("/sse");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    const arrivals: number[] = [];
    const deadline = performance.now() + 5000;
    while (arrivals.length < 2 && performance.now() < deadline) {
      const { done, value } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
      const events = text.split("\n\n").length - 1;
      while (arrivals.length < events) arrivals.push(performance.now());
    }
    expect(text).toBe("event: tick\ndata: one\n\nevent: tick\ndata: two\n\n");
    const [firstSent, secondSent] = backends.sseSentAt;
    expect(secondSent! - firstSent!).toBeGreaterThanOrEqual(1400);
    // The first event must not wait for the second (Sluice would have buffered it).
    expect(arrivals[0]! - started).toBeLessThan(1000);
    expect(arrivals[0]!).toBeLessThan(secondSent! - 1000);
    expect(arrivals[1]!).toBeGreaterThanOrEqual(secondSent!);
  }, 10_000);
});

/** The body of a raw response, de-chunked if needed. */
function decodeBody(rest: Buffer, transferEncoding: string | undefined): string {
  if (!transferEncoding?.includes("chunked")) return rest.toString();
  let out = "";
  let at = 0;
  for (let guard = 0; guard < 100_000; guard++) {
    const eol = rest.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = parseInt(rest.subarray(at, eol).toString(), 16);
    if (!size) break;
    out += rest.subarray(eol + 2, eol + 2 + size).toString();
    at = eol + 2 + size + 2;
  }
  return out;
}
