// Throwaway prototype proxies for scripts/path-compare.ts. Not production code:
// minimal parsing (tiny GET responses with Content-Length), no timeouts, no
// error pages. `bun scripts/path-compare/protos.ts <mode> <port> <backendPort>`
//   raw-pool   Bun.listen front (own head parsing) + pooled Bun.connect upstream
//   raw-fetch  Bun.listen front + global fetch upstream
//   serve-fetch  Bun.serve + global fetch (today's default path)
//   serve-pool   Bun.serve + src/services/upstream PooledUpstreamClient
//   conn-pool    src/server/raw/connection.ts (strict parser, framing) + the raw-pool upstream
//   conn-rawpool src/server/raw/connection.ts + src/services/upstream/raw-forward.ts (RawUpstreamPool)
import type { Socket } from "bun";
import { PooledUpstreamClient } from "../../src/services/upstream/pool-client.ts";
import { listenRaw, type RawExchange } from "../../src/server/raw/connection.ts";
import { RawUpstreamPool } from "../../src/services/upstream/raw-forward.ts";

const [mode, portArg, backendArg] = process.argv.slice(2);
const port = Number(portArg);
const backendPort = Number(backendArg);
const CRLF2 = Buffer.from("\r\n\r\n");
const HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

/** Writes with a queue: Bun's socket.write may accept only part of it. */
class Out {
  queue: Buffer[] = [];
  constructor(readonly s: Socket<unknown>) {}
  write(b: Buffer): void {
    if (this.queue.length) return void this.queue.push(b);
    const n = this.s.write(b);
    if (n < b.length) this.queue.push(n > 0 ? b.subarray(n) : b);
  }
  drain(): void {
    while (this.queue.length) {
      const b = this.queue[0];
      const n = this.s.write(b);
      if (n < b.length) return void (this.queue[0] = n > 0 ? b.subarray(n) : b);
      this.queue.shift();
    }
  }
}

interface Head { method: string; target: string; lines: string[]; host: string }

/** Minimal head parse; returns consumed byte count or 0 when incomplete. */
function parseHead(buf: Buffer): { head: Head; used: number } | null {
  const end = buf.indexOf(CRLF2);
  if (end < 0) return null;
  const text = buf.toString("latin1", 0, end);
  const lines = text.split("\r\n");
  const [method, target] = lines[0].split(" ");
  const out: string[] = [];
  let host = "";
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i];
    const c = l.indexOf(":");
    const name = l.slice(0, c).toLowerCase();
    if (HOP.has(name)) continue;
    if (name === "host") host = l.slice(c + 1).trim();
    out.push(l);
  }
  return { head: { method, target, lines: out, host }, used: end + 4 };
}

// ---- raw front shared by raw-pool and raw-fetch ----
interface Client { buf: Buffer | null; busy: boolean; out: Out; ip: string }

function rawFront(handle: (c: Client, h: Head) => void): void {
  Bun.listen<Client>({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s) { s.data = { buf: null, busy: false, out: new Out(s), ip: s.remoteAddress }; },
      data(s, chunk) {
        const c = s.data;
        c.buf = c.buf ? Buffer.concat([c.buf, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        pump(c, handle);
      },
      drain(s) { s.data.out.drain(); },
      close() {},
      error() {},
    },
  });
}

function pump(c: Client, handle: (c: Client, h: Head) => void): void {
  if (c.busy || !c.buf) return;
  const r = parseHead(c.buf);
  if (!r) return;
  c.buf = r.used === c.buf.length ? null : c.buf.subarray(r.used);
  c.busy = true;
  handle(c, r.head);
}

function done(c: Client, handle: (c: Client, h: Head) => void): void {
  c.busy = false;
  pump(c, handle);
}

function upstreamHead(c: Client, h: Head): string {
  return `${h.method} ${h.target} HTTP/1.1\r\n${h.lines.join("\r\n")}\r\nX-Forwarded-For: ${c.ip}\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: ${h.host}\r\nX-Real-Ip: ${c.ip}\r\n\r\n`;
}

// ---- raw-pool: Bun.connect keep-alive pool ----
interface Up { buf: Buffer | null; client: Client | null; out: Out | null; remaining: number; headDone: boolean }
const idle: Socket<Up>[] = [];

function onUpData(s: Socket<Up>, chunk: Buffer): void {
  const u = s.data;
  const c = u.client;
  if (!c) return;
  if (!u.headDone) {
    u.buf = u.buf ? Buffer.concat([u.buf, chunk]) : chunk;
    const end = u.buf.indexOf(CRLF2);
    if (end < 0) return;
    const lines = u.buf.toString("latin1", 0, end).split("\r\n");
    let cl = 0;
    const kept = [lines[0]];
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i];
      const colon = l.indexOf(":");
      const name = l.slice(0, colon).toLowerCase();
      if (HOP.has(name)) continue;
      if (name === "content-length") cl = Number(l.slice(colon + 1).trim());
      kept.push(l);
    }
    u.headDone = true;
    const rest = u.buf.subarray(end + 4);
    u.buf = null;
    u.remaining = cl;
    const head = Buffer.from(`${kept.join("\r\n")}\r\n\r\n`, "latin1");
    if (rest.length) {
      c.out.write(Buffer.concat([head, rest]));
      u.remaining -= rest.length;
    } else c.out.write(head);
  } else {
    c.out.write(Buffer.from(chunk));
    u.remaining -= chunk.length;
  }
  if (u.remaining <= 0) {
    u.client = null;
    u.headDone = false;
    idle.push(s);
    done(c, rawPoolHandle);
  }
}

function rawPoolHandle(c: Client, h: Head): void {
  const head = Buffer.from(upstreamHead(c, h), "latin1");
  const start = (s: Socket<Up>) => {
    s.data.client = c;
    s.data.out ??= new Out(s as Socket<unknown>);
    s.data.out.write(head);
  };
  const s = idle.pop();
  if (s) return start(s);
  void Bun.connect<Up>({
    hostname: "127.0.0.1",
    port: backendPort,
    data: { buf: null, client: null, out: null, remaining: 0, headDone: false },
    socket: {
      open: start,
      data: onUpData,
      drain(s) { s.data.out?.drain(); },
      close(s) { const i = idle.indexOf(s); if (i >= 0) idle.splice(i, 1); },
      error() {},
    },
  });
}

// ---- conn-pool: the real raw front + a minimal Bun.connect pool ----
interface Up2 { buf: Buffer | null; ex: RawExchange | null; out: Out | null; remaining: number; headDone: boolean }
const idle2: Socket<Up2>[] = [];

function onUp2Data(s: Socket<Up2>, chunk: Buffer): void {
  const u = s.data;
  const ex = u.ex;
  if (!ex) return;
  if (!u.headDone) {
    u.buf = u.buf ? Buffer.concat([u.buf, chunk]) : chunk;
    const end = u.buf.indexOf(CRLF2);
    if (end < 0) return;
    const lines = u.buf.toString("latin1", 0, end).split("\r\n");
    const status = lines[0].slice(9, 12);
    const headers: Array<[string, string]> = [];
    let cl = 0;
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i];
      const colon = l.indexOf(":");
      const name = l.slice(0, colon);
      const value = l.slice(colon + 1).trim();
      if (name.length === 14 && name.toLowerCase() === "content-length") cl = Number(value);
      else if (!HOP.has(name.toLowerCase())) headers.push([name, value]);
    }
    u.headDone = true;
    const rest = u.buf.subarray(end + 4);
    u.buf = null;
    u.remaining = cl;
    ex.writeHead(Number(status), lines[0].slice(13), headers, { contentLength: cl });
    chunk = rest;
  }
  u.remaining -= chunk.length;
  if (u.remaining <= 0) {
    u.ex = null;
    u.headDone = false;
    idle2.push(s);
    ex.end(chunk);
  } else if (chunk.length) ex.write(chunk);
}

function connPoolHandle(ex: RawExchange): void {
  const h = ex.head;
  let text = `${h.method} ${h.path} HTTP/1.1\r\n`;
  for (const [name, value] of h.headers) if (!HOP.has(name.toLowerCase())) text += `${name}: ${value}\r\n`;
  const ip = ex.remoteAddress;
  text += `X-Forwarded-For: ${ip}\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: ${h.host}\r\nX-Real-Ip: ${ip}\r\n\r\n`;
  const head = Buffer.from(text, "latin1");
  const start = (s: Socket<Up2>) => {
    s.data.ex = ex;
    s.data.out ??= new Out(s as Socket<unknown>);
    s.data.out.write(head);
  };
  const s = idle2.pop();
  if (s) return start(s);
  void Bun.connect<Up2>({
    hostname: "127.0.0.1",
    port: backendPort,
    data: { buf: null, ex: null, out: null, remaining: 0, headDone: false },
    socket: {
      open: start,
      data: onUp2Data,
      drain(s) { s.data.out?.drain(); },
      close(s) { const i = idle2.indexOf(s); if (i >= 0) idle2.splice(i, 1); },
      error() {},
    },
  });
}

// ---- raw-fetch ----
async function rawFetchHandle(c: Client, h: Head): Promise<void> {
  const headers = new Headers();
  for (const l of h.lines) { const i = l.indexOf(":"); headers.append(l.slice(0, i), l.slice(i + 1).trim()); }
  headers.set("x-forwarded-for", c.ip);
  headers.set("x-forwarded-proto", "http");
  headers.set("x-forwarded-host", h.host);
  headers.set("x-real-ip", c.ip);
  const res = await fetch(`http://127.0.0.1:${backendPort}${h.target}`, { method: h.method, headers, decompress: false, redirect: "manual", proxy: false });
  const body = Buffer.from(await res.arrayBuffer());
  let head = `HTTP/1.1 ${res.status} ${res.statusText}\r\n`;
  for (const [k, v] of res.headers) if (!HOP.has(k) && k !== "content-length") head += `${k}: ${v}\r\n`;
  head += `content-length: ${body.length}\r\n\r\n`;
  c.out.write(Buffer.concat([Buffer.from(head, "latin1"), body]));
  done(c, (cc, hh) => void rawFetchHandle(cc, hh));
}

// ---- Bun.serve variants ----
function serveWith(send: (req: Request, url: URL, headers: Headers) => Promise<Response>): void {
  Bun.serve({
    hostname: "127.0.0.1",
    port,
    development: false,
    async fetch(req, server) {
      const ip = server.requestIP(req)?.address ?? "";
      const url = new URL(req.url);
      const headers = new Headers(req.headers);
      for (const k of HOP) headers.delete(k);
      headers.set("x-forwarded-for", ip);
      headers.set("x-forwarded-proto", "http");
      headers.set("x-forwarded-host", req.headers.get("host") ?? "");
      headers.set("x-real-ip", ip);
      const res = await send(req, url, headers);
      const out = new Headers(res.headers);
      for (const k of HOP) out.delete(k);
      return new Response(res.body, { status: res.status, headers: out });
    },
  });
}

switch (mode) {
  case "raw-pool":
    rawFront(rawPoolHandle);
    break;
  case "conn-pool":
    listenRaw({ hostname: "127.0.0.1", port, onRequest: connPoolHandle });
    break;
  case "conn-rawpool": {
    const pool = new RawUpstreamPool({ maxIdleConnsPerHost: 200, idleConnTimeoutMs: 90_000 });
    const timeouts = { dialTimeoutMs: 0, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 90_000 };
    const target = new URL(`http://127.0.0.1:${backendPort}`);
    listenRaw({
      hostname: "127.0.0.1",
      port,
      onRequest(ex) {
        const h = ex.head;
        const ip = ex.remoteAddress;
        const headers: [string, string][] = [];
        for (const f of h.headers) if (!HOP.has(f[0].toLowerCase())) headers.push(f);
        headers.push(["X-Forwarded-For", ip], ["X-Forwarded-Proto", "http"], ["X-Forwarded-Host", h.host], ["X-Real-Ip", ip]);
        const req = { target, method: h.method, pathAndQuery: h.path, headers, timeouts };
        const bad = () => {
          ex.writeHead(502, "Bad Gateway", [], { contentLength: 0 });
          ex.end();
        };
        if (process.env.RAWPOOL_CALLBACK === "1") pool.forwardWith(req, ex, { answered: () => {}, failed: bad });
        else pool.forward(req, ex).catch(bad);
      },
    });
    break;
  }
  case "raw-fetch":
    rawFront((c, h) => void rawFetchHandle(c, h));
    break;
  case "serve-fetch":
    serveWith((req, url, headers) =>
      fetch(`http://127.0.0.1:${backendPort}${url.pathname}${url.search}`, { method: req.method, headers, body: req.body, decompress: false, redirect: "manual", proxy: false }));
    break;
  case "serve-pool": {
    const client = new PooledUpstreamClient();
    const timeouts = { dialTimeoutMs: 0, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 90_000 };
    const target = new URL(`http://127.0.0.1:${backendPort}`);
    serveWith((req, url, headers) => client.request({ target, method: req.method, pathAndQuery: url.pathname + url.search, headers, body: req.body, timeouts }));
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
console.log(`ready ${mode} on ${port}`);
// Exit normally on SIGTERM so that --cpu-prof writes its profile.
process.on("SIGTERM", () => process.exit(0));
