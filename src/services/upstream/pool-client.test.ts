// Behaviour only the pooled client has: idle limits and timeouts, keeping
// TLS settings apart, and not reusing a socket whose request body was cut short.
import { afterEach, describe, expect, test } from "bun:test";
import { PooledUpstreamClient } from "./pool-client.ts";
import { startRawBackend, type RawBackend } from "./test-backends.ts";
import type { UpstreamRequest } from "./types.ts";

const started: RawBackend[] = [];
const clients: PooledUpstreamClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const b of started.splice(0)) b.stop();
});

function okBackend(delayMs = 0): RawBackend {
  const b = startRawBackend(async (_req, conn) => {
    if (delayMs) await Bun.sleep(delayMs);
    await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
  started.push(b);
  return b;
}

function client(opts: ConstructorParameters<typeof PooledUpstreamClient>[0]): PooledUpstreamClient {
  const c = new PooledUpstreamClient(opts);
  clients.push(c);
  return c;
}

function get(port: number, extra: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return {
    target: new URL(`http://127.0.0.1:${port}`),
    method: "GET",
    pathAndQuery: "/",
    headers: new Headers({ host: "x.test" }),
    body: null,
    timeouts: { dialTimeoutMs: 1000, responseHeaderTimeoutMs: 1000, idleConnTimeoutMs: 0 },
    ...extra,
  };
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !cond()) await Bun.sleep(10);
  return cond();
}

describe("PooledUpstreamClient pool", () => {
  test("idle sockets are closed after idleConnTimeout", async () => {
    const b = okBackend();
    const c = client({ idleConnTimeoutMs: 150 });
    expect(await (await c.request(get(b.port))).text()).toBe("ok");
    expect(c.idleConnections()).toBe(1);
    const t0 = performance.now();
    expect(await waitFor(() => b.closed === 1, 2000)).toBe(true);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
    expect(c.idleConnections()).toBe(0);
  });

  test("no more than maxIdleConnsPerHost sockets stay idle", async () => {
    const b = okBackend(50);
    const c = client({ maxIdleConnsPerHost: 1 });
    const bodies = await Promise.all([1, 2, 3].map(async () => (await c.request(get(b.port))).text()));
    expect(bodies).toEqual(["ok", "ok", "ok"]);
    expect(b.accepted).toBe(3);
    expect(c.idleConnections()).toBe(1);
    expect(await waitFor(() => b.closed === 2, 1000)).toBe(true);
  });

  test("an idle socket closed by the upstream leaves the pool", async () => {
    const b = startRawBackend(async (_req, conn) => {
      await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      conn.end();
    });
    started.push(b);
    const c = client({});
    expect(await (await c.request(get(b.port))).text()).toBe("ok");
    expect(await waitFor(() => c.idleConnections() === 0, 1000)).toBe(true);
  });

  test("Connection: close responses are not pooled", async () => {
    const b = startRawBackend((_req, conn) => void conn.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"));
    started.push(b);
    const c = client({});
    expect(await (await c.request(get(b.port))).text()).toBe("ok");
    expect(c.idleConnections()).toBe(0);
    expect(await waitFor(() => b.closed === 1, 1000)).toBe(true);
  });

  test("a response answered before the upload finished does not reuse the socket", async () => {
    // The backend answers at once and never reads the body.
    const b = startRawBackend((_req, conn) => void conn.write("HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n"));
    started.push(b);
    const c = client({});
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        pulls++;
        await Bun.sleep(20);
        if (pulls > 100) ctrl.close();
        else ctrl.enqueue(new Uint8Array(1000));
      },
    });
    const res = await c.request(get(b.port, { method: "POST", body, headers: new Headers({ "content-length": "100000" }) }));
    expect(res.status).toBe(413);
    expect(c.idleConnections()).toBe(0);
    expect(await waitFor(() => b.closed === 1, 1000)).toBe(true);
    expect(pulls).toBeLessThan(100);
  });

  test("plain http origins ignore TLS settings when pooling", async () => {
    const b = okBackend();
    const c = client({});
    // Plain http ignores tls; two requests share one socket.
    await (await c.request(get(b.port, { tls: { serverName: "a" } }))).text();
    await (await c.request(get(b.port, { tls: { serverName: "b" } }))).text();
    expect(b.accepted).toBe(1);
  });

  test("a TLS handshake that never completes is a dial timeout", async () => {
    // A plain TCP listener that swallows the ClientHello and never answers.
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const c = client({});
      const t0 = performance.now();
      const r = get(silent.port, { target: new URL(`https://127.0.0.1:${silent.port}`), tls: { insecureSkipVerify: true } });
      r.timeouts = { dialTimeoutMs: 200, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 0 };
      await expect(c.request(r)).rejects.toMatchObject({ kind: "dial-timeout" });
      expect(performance.now() - t0).toBeLessThan(1000);
    } finally {
      silent.stop(true);
    }
  });

  test("close() closes idle sockets and refuses new requests", async () => {
    const b = okBackend();
    const c = client({});
    await (await c.request(get(b.port))).text();
    c.close();
    expect(await waitFor(() => b.closed === 1, 1000)).toBe(true);
    await expect(c.request(get(b.port))).rejects.toThrow("closed");
  });
});
