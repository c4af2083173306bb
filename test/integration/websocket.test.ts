// WebSockets through the real Sluice process: frames both ways, subprotocol,
// close codes, a refusing upstream, and a socket that outlives a config reload.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server, TCPSocketListener } from "bun";
import { chunkAt } from "../harness/data.ts";
import { waitFor } from "../harness/ports.ts";
import { rawRequest } from "../harness/raw-http.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

interface BackendClose {
  code: number;
  reason: string;
}

let backend: Server<{ path: string }>;
let sluice: RunningSluice;
const backendCloses: BackendClose[] = [];
const closeWaiters: ((c: BackendClose) => void)[] = [];

/** A backend that answers the upgrade and its first frame in one write (one read for Sluice). */
let greeter: TCPSocketListener<undefined>;

function greeterHandshake(request: string): Buffer {
  const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? "";
  const accept = new Bun.CryptoHasher("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  const head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
  // An unmasked text frame (server to client): FIN + opcode 1, length 7.
  return Buffer.concat([Buffer.from(head, "latin1"), Buffer.from([0x81, 7]), Buffer.from("welcome")]);
}

function dynamicConfig(otherRule: string): string {
  return `http:
  routers:
    greet:
      entryPoints: [web]
      rule: "Path(\`/ws/greet\`)"
      priority: 1000
      service: greeter
    ws:
      entryPoints: [web]
      rule: "PathPrefix(\`/ws\`)"
      service: backend
    other:
      entryPoints: [web]
      rule: "${otherRule}"
      service: backend
  services:
    backend:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:${backend.port}"
    greeter:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:${greeter.port}"
`;
}

beforeAll(async () => {
  greeter = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, chunk) {
        socket.write(greeterHandshake(Buffer.from(chunk).toString("latin1")));
      },
    },
  });
  backend = Bun.serve<{ path: string }>({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    development: false,
    fetch(req, srv) {
      const url = new URL(req.url);
      if (url.pathname === "/ws/echo") {
        const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
        const headers: Record<string, string> = offered.includes("b") ? { "Sec-WebSocket-Protocol": "b" } : {};
        if (srv.upgrade(req, { data: { path: url.pathname }, headers })) return undefined;
        return new Response("upgrade expected\n", { status: 426 });
      }
      if (url.pathname === "/ws/refuse") return new Response("no websockets here\n", { status: 403 });
      return new Response(`plain ${url.pathname}\n`);
    },
    websocket: {
      maxPayloadLength: 16 * 1024 * 1024,
      message(ws, message) {
        if (message === "close-4001") ws.close(4001, "backend says bye");
        else ws.send(message);
      },
      close(_ws, code, reason) {
        const c = { code, reason };
        backendCloses.push(c);
        closeWaiters.shift()?.(c);
      },
    },
  });
  sluice = await startSluice({ files: { "routes.yml": dynamicConfig("Path(`/other-a`)") } });
  const live = await waitFor(async () => (await fetch(sluice.url("web", "/other-a"))).status === 200, 10_000);
  if (!live) throw new Error(`routes never went live:\n${sluice.output()}`);
});

afterAll(async () => {
  await sluice?.stop();
  await backend?.stop(true);
  greeter?.stop(true);
});

const wsUrl = (path: string) => sluice.url("web", path).replace(/^http/, "ws");

/** Opens a client socket through Sluice; rejects on error or close before open. */
function open(path: string, protocols?: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(path), protocols);
    ws.binaryType = "arraybuffer";
    const timer = setTimeout(() => reject(new Error("open timed out")), 5000);
    ws.onopen = () => {
      clearTimeout(timer);
      resolve(ws);
    };
    ws.onerror = () => {
      clearTimeout(timer);
      reject(new Error("websocket error before open"));
    };
  });
}

/** Sends one message and waits for the next one back. */
function roundTrip(ws: WebSocket, message: string | Uint8Array): Promise<string | ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no echo within 5 s")), 5000);
    ws.onmessage = (ev) => {
      clearTimeout(timer);
      resolve(ev.data as string | ArrayBuffer);
    };
    ws.send(message);
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    ws.onclose = (ev) => resolve({ code: ev.code, reason: ev.reason });
  });
}

function nextBackendClose(): Promise<BackendClose> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("backend saw no close within 5 s")), 5000);
    closeWaiters.push((c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
}

describe("websocket through Sluice", () => {
  test("a frame that arrives in the same read as the backend's 101 reaches the client after the handshake, not before", async () => {
    const ws = new WebSocket(wsUrl("/ws/greet"));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no greeting within 5 s")), 5000);
        ws.onmessage = (ev) => {
          clearTimeout(timer);
          resolve(String(ev.data));
        };
        ws.onerror = () => reject(new Error("websocket error"));
      });
      expect(first).toBe("welcome");
    } finally {
      ws.close();
    }
  });

  test("text and binary frames echo unchanged, including a 1 MiB binary frame", async () => {
    const ws = await open("/ws/echo");
    try {
      expect(await roundTrip(ws, "hello, sluice ✓")).toBe("hello, sluice ✓");
      const small = new Uint8Array([0, 1, 2, 253, 254, 255]);
      expect(new Uint8Array((await roundTrip(ws, small)) as ArrayBuffer)).toEqual(small);
      const big = chunkAt(7);
      expect(big.byteLength).toBe(1024 * 1024);
      const back = (await roundTrip(ws, big)) as ArrayBuffer;
      expect(back).toBeInstanceOf(ArrayBuffer);
      expect(back.byteLength).toBe(big.byteLength);
      expect(Buffer.compare(Buffer.from(back), Buffer.from(big))).toBe(0);
    } finally {
      ws.close();
    }
  }, 15_000);

  test("the subprotocol the backend picks reaches the client", async () => {
    const ws = await open("/ws/echo", ["a", "b"]);
    try {
      expect(ws.protocol).toBe("b");
      expect(await roundTrip(ws, "after negotiation")).toBe("after negotiation");
    } finally {
      ws.close();
    }
  });

  test("close code 4001 and its reason go from backend to client", async () => {
    const ws = await open("/ws/echo");
    const onClose = closed(ws);
    ws.send("close-4001");
    const got = await Promise.race([onClose, Bun.sleep(5000).then(() => null)]);
    expect(got).toEqual({ code: 4001, reason: "backend says bye" });
  });

  test("close code 4001 and its reason go from client to backend", async () => {
    const ws = await open("/ws/echo");
    await roundTrip(ws, "ready");
    const atBackend = nextBackendClose();
    ws.close(4001, "client says bye");
    expect(await atBackend).toEqual({ code: 4001, reason: "client says bye" });
  });

  // The raw front relays the backend's refusal as is (as Traefik and nginx do);
  // behind Bun.serve the WebSocket client API only tells that it failed: 502.
  const refusedStatus = process.env.SLUICE_FRONT !== "serve" ? 403 : 502;
  test(`an upstream that refuses the upgrade gives the client ${refusedStatus}`, async () => {
    const res = await rawRequest(
      sluice.ports.web!,
      "GET /ws/refuse HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      // The connection stays open after the 502; its head arrives at once.
      1000,
    );
    expect(res.status).toBe(refusedStatus);
    // And a WebSocket client sees the failure rather than an open socket.
    await expect(open("/ws/refuse")).rejects.toThrow("websocket error before open");
  }, 15_000);

  test("an open socket keeps working across a config reload", async () => {
    const ws = await open("/ws/echo");
    try {
      expect(await roundTrip(ws, "before reload")).toBe("before reload");
      sluice.writeAtomic("routes.yml", dynamicConfig("Path(`/other-b`)"));
      const live = await waitFor(async () => (await fetch(sluice.url("web", "/other-b"))).status === 200, 10_000, 50);
      expect(live).toBe(true);
      // The old rule is gone, so the new generation really is serving.
      expect((await fetch(sluice.url("web", "/other-a"))).status).toBe(404);
      expect(ws.readyState).toBe(WebSocket.OPEN);
      expect(await roundTrip(ws, "after reload")).toBe("after reload");
      const big = chunkAt(9);
      expect(Buffer.compare(Buffer.from((await roundTrip(ws, big)) as ArrayBuffer), Buffer.from(big))).toBe(0);
    } finally {
      ws.close();
    }
  }, 20_000);
});
