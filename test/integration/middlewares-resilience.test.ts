// retry, circuitBreaker, buffering and compress through the real Sluice
// process, with real backends. One Sluice for the whole file.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import zlib from "node:zlib";
import type { Server } from "bun";
import { freePort, waitFor } from "../harness/ports.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let sluice: RunningSluice;
const backends: Server<undefined>[] = [];
const JSON_BODY = JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ["a", "b"] })));
// The circuit-breaker backend fails while this is true.
let failing = false;
let breakerCalls = 0;
// Sluice's TMPDIR: buffering's temporary files land here, so leftovers show.
const spoolDir = mkdtempSync(join(tmpdir(), "sluice-it-spool-"));
const MiB = 1024 * 1024;
const BIG = crypto.getRandomValues(new Uint8Array(MiB));
/** 20 MiB whose 1 MiB blocks each carry their index (a lost or reordered block shows in the hash). */
const UPLOAD = new Uint8Array(20 * MiB);
for (let i = 0; i < 20; i++) {
  UPLOAD.set(BIG, i * MiB);
  UPLOAD[i * MiB] = i;
}
const sha256 = (data: Uint8Array | ArrayBuffer) => new Bun.CryptoHasher("sha256").update(data).digest("hex");

function serve(fetch: (req: Request) => Response | Promise<Response>): string {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch });
  backends.push(server);
  return `http://127.0.0.1:${server.port}`;
}

beforeAll(async () => {
  const refused = `http://127.0.0.1:${await freePort()}`;
  const echo = serve(async (req) => {
    const url = new URL(req.url);
    if (url.pathname.startsWith("/path-echo/")) return Response.json({ path: url.pathname + url.search });
    const body = await req.text();
    return Response.json({ length: body.length, contentLength: req.headers.get("content-length"), sample: body.slice(0, 8) });
  });
  const breakerBackend = serve(() => {
    breakerCalls++;
    return new Response(failing ? "backend error" : "backend ok", { status: failing ? 500 : 200 });
  });
  // Hashes the upload as it streams in; GET answers UPLOAD (for response buffering).
  const hashBackend = serve(async (req) => {
    if (req.method === "GET") return new Response(UPLOAD);
    const files = readdirSync(spoolDir).length; // Sluice's file for this upload, while it is sent
    const hasher = new Bun.CryptoHasher("sha256");
    let length = 0;
    for await (const chunk of req.body! as unknown as AsyncIterable<Uint8Array>) {
      hasher.update(chunk);
      length += chunk.byteLength;
    }
    const te = req.headers.get("transfer-encoding");
    return Response.json({ length, sha: hasher.digest("hex"), contentLength: req.headers.get("content-length"), te, files });
  });
  const jsonBackend = serve(() => new Response(JSON_BODY, { headers: { "content-type": "application/json" } }));
  sluice = await startSluice({
    staticExtra: "accessLog:\n  format: json\n",
    env: { TMPDIR: spoolDir },
    files: {
      "resilience.yml": `
http:
  middlewares:
    retry3: { retry: { attempts: 3, initialInterval: 10ms } }
    breaker:
      circuitBreaker:
        expression: "ResponseCodeRatio(500, 600, 0, 600) > 0.5"
        checkPeriod: 20ms
        fallbackDuration: 400ms
        recoveryDuration: 300ms
    limit: { buffering: { maxRequestBodyBytes: 1000 } }
    spill: { buffering: { memRequestBodyBytes: 1048576, memResponseBodyBytes: 1048576, maxRequestBodyBytes: 31457280 } }
    zip: { compress: {} }
  routers:
    retry: { rule: "Host(\`retry.test\`)", service: half-refused, middlewares: [retry3] }
    retry-dead: { rule: "Host(\`dead.test\`)", service: refused, middlewares: [retry3] }
    breaker: { rule: "Host(\`breaker.test\`)", service: breaker, middlewares: [breaker] }
    buffering: { rule: "Host(\`buffer.test\`)", service: echo, middlewares: [limit] }
    compress: { rule: "Host(\`zip.test\`)", service: json, middlewares: [zip] }
    spill: { rule: "Host(\`spill.test\`)", service: hash, middlewares: [spill] }
  services:
    half-refused: { loadBalancer: { servers: [{ url: "${refused}" }, { url: "${echo}" }] } }
    refused: { loadBalancer: { servers: [{ url: "${refused}" }] } }
    breaker: { loadBalancer: { servers: [{ url: "${breakerBackend}" }] } }
    echo: { loadBalancer: { servers: [{ url: "${echo}" }] } }
    json: { loadBalancer: { servers: [{ url: "${jsonBackend}" }] } }
    hash: { loadBalancer: { servers: [{ url: "${hashBackend}" }] } }
`,
    },
  });
});

afterAll(async () => {
  await sluice?.stop();
  for (const b of backends) b.stop(true);
  rmSync(spoolDir, { recursive: true, force: true });
});

const send = (host: string, init: RequestInit & { decompress?: boolean } = {}) =>
  fetch(sluice.url("web", "/"), { ...init, headers: { host, ...(init.headers as Record<string, string>) } } as RequestInit);

/** The access log lines (JSON) for `host`, once `count` of them are there. */
async function accessLines(host: string, count: number): Promise<Record<string, unknown>[]> {
  const lines = () =>
    sluice.output().split("\n").filter((l) => l.startsWith("{") && l.includes(`"RequestHost":"${host}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
  await waitFor(() => lines().length >= count, 3000);
  return lines();
}

describe("retry", () => {
  test("a refused server is skipped: every request reaches the live one, the body whole", async () => {
    for (let i = 0; i < 4; i++) {
      const res = await send("retry.test", { method: "POST", body: `hello-${i}`.padEnd(100, "x") });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { length: number }).length).toBe(100);
    }
    const lines = await accessLines("retry.test", 4);
    // Round robin over [refused, live]: about half the requests needed one retry.
    expect(lines.map((l) => l.RetryAttempts as number).some((n) => n === 1)).toBe(true);
    expect(lines.every((l) => l.DownstreamStatus === 200)).toBe(true);
  });

  test("only refused servers: 502 after 3 attempts", async () => {
    const res = await send("dead.test");
    expect(res.status).toBe(502);
    const [line] = await accessLines("dead.test", 1);
    expect(line!.RetryAttempts).toBe(2);
    // The client's address as Traefik logs it: ClientAddr with the port, ClientPort alone.
    expect(line!.ClientHost).toBe("127.0.0.1");
    expect(String(line!.ClientAddr)).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(String(line!.ClientAddr)).toBe(`127.0.0.1:${line!.ClientPort}`);
  });
});

describe("circuitBreaker", () => {
  test("a failing backend trips the breaker; it recovers once the backend is healthy", async () => {
    expect((await send("breaker.test")).status).toBe(200);
    failing = true;
    // Bounded: at most 50 requests, until Sluice answers 503 itself.
    let tripped = false;
    for (let i = 0; i < 50 && !tripped; i++) {
      const res = await send("breaker.test");
      tripped = res.status === 503 && (await res.text()).startsWith("Service Unavailable");
      await Bun.sleep(10);
    }
    expect(tripped).toBe(true);
    const callsWhenTripped = breakerCalls;
    expect((await send("breaker.test")).status).toBe(503);
    expect(breakerCalls).toBe(callsWhenTripped); // the backend was spared
    failing = false;
    // fallbackDuration 400 ms, then a 300 ms ramp: bounded wait for steady 200s.
    const recovered = await waitFor(async () => {
      for (let i = 0; i < 3; i++) if ((await send("breaker.test")).status !== 200) return false;
      return true;
    }, 4000, 30);
    expect(recovered).toBe(true);
  });
});

describe("buffering", () => {
  test("over maxRequestBodyBytes: 413, the backend is not called", async () => {
    const res = await send("buffer.test", { method: "POST", body: "z".repeat(1001) });
    expect(res.status).toBe(413);
  });

  test("raw UTF-8 bytes in the target reach the backend escaped once (the Request bridge of the raw front)", async () => {
    const { rawRequest } = await import("../harness/raw-http.ts");
    const port = Number(new URL(sluice.url("web")).port);
    const target = "/path-echo/caf\u00c3\u00a9?q=\u00c3\u00a9";
    const res = await rawRequest(port, Buffer.from(`GET ${target} HTTP/1.1\r\nHost: buffer.test\r\nConnection: close\r\n\r\n`, "latin1"));
    expect(res.status, res.head).toBe(200);
    expect(JSON.parse(res.rest.toString())).toEqual({ path: "/path-echo/caf%C3%A9?q=%C3%A9" });
  });

  test("within the limit the backend gets the body with a Content-Length", async () => {
    const res = await send("buffer.test", { method: "POST", body: "z".repeat(1000) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ length: 1000, contentLength: "1000", sample: "zzzzzzzz" });
  });
});

describe("buffering past memRequestBodyBytes / memResponseBodyBytes (temporary file)", () => {
  /** Bounded wait for Sluice to remove its temporary files. */
  async function spoolLeftovers(): Promise<string[]> {
    await waitFor(() => readdirSync(spoolDir).length === 0, 2000);
    return readdirSync(spoolDir);
  }

  test.each([
    ["with a Content-Length", () => UPLOAD],
    ["chunked", () => new Blob([UPLOAD]).stream()],
  ])("a 20 MiB upload %s arrives intact, framed by Content-Length; no file left", async (_name, body) => {
    const res = await send("spill.test", { method: "POST", body: body(), duplex: "half" } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ length: UPLOAD.length, sha: sha256(UPLOAD), contentLength: String(UPLOAD.length), te: null, files: 1 });
    expect(await spoolLeftovers()).toEqual([]);
  }, 20_000);

  test("a 20 MiB answer arrives intact; no file left", async () => {
    const res = await send("spill.test");
    expect(res.status).toBe(200);
    // Bun.serve re-chunks any streamed body; the raw front keeps the Content-Length.
    if (process.env.SLUICE_FRONT !== "serve") expect(res.headers.get("content-length")).toBe(String(UPLOAD.length));
    expect(sha256(await res.arrayBuffer())).toBe(sha256(UPLOAD));
    expect(await spoolLeftovers()).toEqual([]);
  }, 20_000);

  test("a client that hangs up mid-upload ends the request (499) and leaves no file behind", async () => {
    const { connect } = await import("node:net");
    const port = Number(new URL(sluice.url("web")).port);
    await new Promise<void>((resolve) => {
      const s = connect(port, "127.0.0.1", () => {
        s.write(`POST / HTTP/1.1\r\nHost: spill.test\r\nContent-Length: ${UPLOAD.length}\r\n\r\n`);
        // 3 MiB: past memRequestBodyBytes, so the file exists, then the client is gone.
        s.write(UPLOAD.subarray(0, 3 * 1024 * 1024), () => setTimeout(() => s.destroy(), 200));
      });
      s.on("error", () => {});
      s.on("close", () => resolve());
    });
    // The request ends at once: logged as the client closing, not left running until shutdown.
    const logged499 = async () => (await accessLines("spill.test", 1)).some((l) => l.DownstreamStatus === 499);
    expect(await waitFor(logged499, 3000)).toBe(true);
    expect(await spoolLeftovers()).toEqual([]);
  }, 20_000);

  test("over maxRequestBodyBytes after spilling: 413, no file left", async () => {
    const res = await send("spill.test", { method: "POST", body: new Blob([UPLOAD, UPLOAD]).stream(), duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(await spoolLeftovers()).toEqual([]);
  }, 20_000);
});

describe("compress", () => {
  test.each([
    ["gzip", (b: Buffer) => zlib.gunzipSync(b)],
    ["br", (b: Buffer) => zlib.brotliDecompressSync(b)],
  ])("%s: the decoded body matches the original", async (encoding, decode) => {
    const res = await send("zip.test", { headers: { "accept-encoding": encoding }, decompress: false });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe(encoding);
    expect(res.headers.get("vary")).toBe("Accept-Encoding");
    const raw = Buffer.from(await res.arrayBuffer());
    expect(raw.length).toBeLessThan(JSON_BODY.length / 3);
    expect(decode(raw).toString()).toBe(JSON_BODY);
  });

  test("without Accept-Encoding the body goes out as is", async () => {
    const res = await send("zip.test", { headers: { "accept-encoding": "" }, decompress: false });
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(await res.text()).toBe(JSON_BODY);
  });
});
