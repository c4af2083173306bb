import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { hostname } from "node:os";
import { startWhoami, type Whoami } from "./whoami.ts";
import { canonicalHeaderName, formatRemoteAddr, parseGoDuration } from "./whoami-info.ts";
import { DATA_CHUNK_SIZE, dataStream, parseDataSize } from "./whoami-data.ts";

let demo: Whoami;
beforeAll(() => {
  demo = startWhoami({ port: 0, hostname: "127.0.0.1", name: "unit" });
});
afterAll(() => demo.stop());

describe("helpers", () => {
  test.each([
    ["user-agent", "User-Agent"],
    ["x-forwarded-for", "X-Forwarded-For"],
    ["HOST", "Host"],
    ["a--b", "A--B"],
  ])("canonicalHeaderName(%p) = %p", (input, want) => {
    expect(canonicalHeaderName(input)).toBe(want);
  });

  test.each([
    [{ address: "127.0.0.1", port: 80 }, "127.0.0.1:80"],
    [{ address: "::1", port: 8080 }, "[::1]:8080"],
    [null, ""],
  ])("formatRemoteAddr(%p) = %p", (input, want) => {
    expect(formatRemoteAddr(input)).toBe(want);
  });

  test.each([
    ["100ms", 100],
    ["1.5s", 1500],
    ["1m30s", 90_000],
    ["250us", 0.25],
    ["0", 0],
    ["", undefined],
    ["10", undefined],
    ["5x", undefined],
    ["ms", undefined],
  ])("parseGoDuration(%p) = %p", (input, want) => {
    expect(parseGoDuration(input)).toBe(want);
  });

  test.each([
    ["10", null, 10],
    ["2", "KB", 2048],
    ["1", "gb", 1024 ** 3],
    ["0", null, 0],
    ["-1", null, undefined],
    ["1.5", null, undefined],
    ["3", "PB", undefined],
    [null, null, undefined],
  ])("parseDataSize(%p, %p) = %p", (size, unit, want) => {
    expect(parseDataSize(size, unit)).toBe(want);
  });

  test("dataStream yields exactly the asked size in bounded chunks", async () => {
    const total = DATA_CHUNK_SIZE * 3 + 17;
    let count = 0;
    let largest = 0;
    for await (const chunk of dataStream(total)) {
      count += chunk.byteLength;
      largest = Math.max(largest, chunk.byteLength);
    }
    expect(count).toBe(total);
    expect(largest).toBe(DATA_CHUNK_SIZE);
  });
});

describe("whoami server", () => {
  test("url points at the bound port", () => {
    expect(demo.url).toBe(`http://127.0.0.1:${demo.server.port}`);
  });

  test("GET / prints identity, request line and headers", async () => {
    const res = await fetch(`${demo.url}/some/path?x=1`, { headers: { "x-custom-thing": "abc" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/plain");
    const lines = (await res.text()).split("\n");
    expect(lines[0]).toBe("Name: unit");
    expect(lines[1]).toBe(`Hostname: ${hostname()}`);
    expect(lines).toContain("IP: 127.0.0.1");
    expect(lines.find((l) => l.startsWith("RemoteAddr: "))).toMatch(/^RemoteAddr: 127\.0\.0\.1:\d+$/);
    const requestLine = lines.indexOf("GET /some/path?x=1 HTTP/1.1");
    expect(requestLine).toBeGreaterThan(0);
    expect(lines[requestLine + 1]).toBe(`Host: 127.0.0.1:${demo.server.port}`);
    expect(lines).toContain("X-Custom-Thing: abc");
  });

  test("/api answers the same as JSON", async () => {
    const res = await fetch(`${demo.url}/api?q=2`, { method: "PUT", headers: { "x-one": "1" } });
    expect(res.headers.get("content-type")).toStartWith("application/json");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.name).toBe("unit");
    expect(body.hostname).toBe(hostname());
    expect(body.method).toBe("PUT");
    expect(body.url).toBe("/api?q=2");
    expect(body.host).toBe(`127.0.0.1:${demo.server.port}`);
    expect(body.ip).toContain("127.0.0.1");
    expect((body.headers as Record<string, string[]>)["X-One"]).toEqual(["1"]);
    expect(body.remoteAddr).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  test("/bench answers one byte", async () => {
    const res = await fetch(`${demo.url}/bench`);
    expect(await res.text()).toBe("1");
  });

  test("?wait delays the answer and a bad duration is refused", async () => {
    const started = performance.now();
    const res = await fetch(`${demo.url}/?wait=120ms`);
    await res.text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect((await fetch(`${demo.url}/?wait=soon`)).status).toBe(400);
  });

  test("/health follows the status set by POST", async () => {
    expect((await fetch(`${demo.url}/health`)).status).toBe(200);
    expect((await fetch(`${demo.url}/health`, { method: "POST", body: "500" })).status).toBe(200);
    expect((await fetch(`${demo.url}/health`)).status).toBe(500);
    expect((await fetch(`${demo.url}/health`, { method: "HEAD" })).status).toBe(500);
    expect((await fetch(`${demo.url}/health`, { method: "POST", body: "nope" })).status).toBe(400);
    expect((await fetch(`${demo.url}/health`, { method: "POST", body: "200" })).status).toBe(200);
    expect((await fetch(`${demo.url}/health`)).status).toBe(200);
  });

  test.each([0, 1, 1000, DATA_CHUNK_SIZE, DATA_CHUNK_SIZE + 1, 5 * 1024 * 1024 + 3])("/data?size=%p streams that many bytes", async (size) => {
    const res = await fetch(`${demo.url}/data?size=${size}`);
    expect(res.status).toBe(200);
    const body = new Uint8Array(await res.arrayBuffer());
    expect(body.byteLength).toBe(size);
    if (size > 0) expect(body[0]).toBe("A".charCodeAt(0));
  });

  test("/data with a unit and with a bad size", async () => {
    const res = await fetch(`${demo.url}/data?size=3&unit=KB`);
    expect((await res.arrayBuffer()).byteLength).toBe(3072);
    expect((await fetch(`${demo.url}/data?size=abc`)).status).toBe(400);
  });

  test("/echo streams the request body back", async () => {
    const payload = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => i % 251);
    const res = await fetch(`${demo.url}/echo`, { method: "POST", body: payload, headers: { "content-type": "application/x-test" } });
    expect(res.headers.get("content-type")).toBe("application/x-test");
    const got = new Uint8Array(await res.arrayBuffer());
    expect(got.byteLength).toBe(payload.byteLength);
    expect(Buffer.compare(got, payload)).toBe(0);
  });

  test("/ws without an upgrade is refused", async () => {
    expect((await fetch(`${demo.url}/ws`)).status).toBe(426);
  });

  test.each(["/ws", "/echo"])("WebSocket echo on %p", async (path) => {
    const ws = new WebSocket(`${demo.url.replace("http", "ws")}${path}`);
    const reply = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no echo within 2 s")), 2000);
      ws.onopen = () => ws.send(`hello ${path}`);
      ws.onmessage = (event) => {
        clearTimeout(timer);
        resolve(String(event.data));
      };
      ws.onerror = () => {
        clearTimeout(timer);
        reject(new Error("websocket error"));
      };
    });
    ws.close();
    expect(reply).toBe(`hello ${path}`);
  });
});
