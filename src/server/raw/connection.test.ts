import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { listenRaw, type RawExchange, type ResponseHeadHook } from "./connection.ts";
import { FieldBlock } from "./http1-head.ts";

const text = (s: string) => Buffer.from(s, "latin1");
let maxPending = 0;
let sawBackpressure = false;

/** Hooks that set X-Frame-Options (and say so for a head without it), and how often each ran as a function. */
const hookRuns = { frame: 0, served: 0 };
const frameHook: ResponseHeadHook = (_status, list) => {
  hookRuns.frame++;
  const i = list.findIndex(([n]) => n.toLowerCase() === "x-frame-options");
  if (i >= 0) list[i] = ["X-Frame-Options", "DENY"];
  else list.push(["X-Frame-Options", "DENY"]);
};
frameHook.appends = { touches: /^x-frame-options[ \t]*:/im, lines: "X-Frame-Options: DENY\r\n" };
const servedHook: ResponseHeadHook = (_status, list) => {
  hookRuns.served++;
  list.push(["X-Served-By", "sluice"]);
};
servedHook.appends = { touches: /^x-served-by[ \t]*:/im, lines: "X-Served-By: sluice\r\n" };

/** Routes of the test server, by path. */
function handle(ex: RawExchange): void {
  const path = ex.head.path;
  if (path.startsWith("/hooked")) {
    // A head as received from a backend (a block of lines), with two appending hooks.
    const backendLines = path === "/hooked-framed" ? "Server: up\r\nx-frame-options: SAMEORIGIN\r\n" : "Server: up\r\n";
    ex.onResponseHead(frameHook);
    ex.onResponseHead(servedHook);
    ex.writeHead(200, "OK", new FieldBlock(backendLines), { contentLength: 2 });
    ex.end(text("ok"));
  } else if (path === "/slow") {
    setTimeout(() => ex.end(text("slow")), 30);
  } else if (path === "/fast") {
    ex.end(text("fast"));
  } else if (path === "/len") {
    ex.writeHead(200, "OK", [["Content-Type", "text/plain"], ["Transfer-Encoding", "chunked"]], { contentLength: 5 });
    ex.end(text("hello"));
  } else if (path === "/stream") {
    ex.writeHead(200, "OK", []);
    ex.write(text("ab"));
    ex.end(text("cd"), [["X-T", "1"]]);
  } else if (path === "/204" || path === "/304") {
    ex.writeHead(Number(path.slice(1)), "X", [["ETag", '"e"']], { contentLength: 7 });
    ex.end();
  } else if (path === "/echo") {
    const parts: Uint8Array[] = [];
    ex.readBody(
      (c) => parts.push(Buffer.from(c)),
      (trailers) => {
        const body = Buffer.concat(parts);
        ex.writeHead(200, "OK", [["X-Trailers", String(trailers?.length ?? 0)]], { contentLength: body.length });
        ex.end(body);
      },
    );
  } else if (path === "/big") {
    const piece = Buffer.alloc(64 * 1024, 120);
    let left = 32 * 1024 * 1024;
    ex.writeHead(200, "OK", [], { contentLength: left });
    const pump = () => {
      while (left > 0) {
        left -= piece.length;
        const ok = left === 0 ? (ex.end(piece), true) : ex.write(piece);
        if (!ok) {
          sawBackpressure = true;
          return;
        }
      }
    };
    ex.onDrain = pump;
    pump();
  } else if (path === "/late") {
    // Reads the body only later: the connection must hold or pause, not lose bytes.
    setTimeout(() => {
      let n = 0;
      ex.readBody(
        (c) => (n += c.length),
        () => {
          ex.writeHead(200, "OK", [], { contentLength: String(n).length });
          ex.end(text(String(n)));
        },
      );
    }, 50);
  } else if (path === "/done" || path === "/keep") {
    // The reader says it is done with each chunk (/done) or not (/keep); answers
    // "<bytes> <chunks of 16 KiB or more> <freed>" (smaller reads are left to the GC).
    const seen: Uint8Array[] = [];
    let n = 0;
    let big = 0;
    ex.readBody(
      (c) => {
        n += c.length;
        if (c.length >= 16 * 1024) big++;
        seen.push(c);
        return path === "/done";
      },
      () => {
        const freed = seen.filter((c) => c.byteLength === 0).length;
        const answer = text(`${n} ${big} ${freed}`);
        ex.writeHead(200, "OK", [], { contentLength: answer.length });
        ex.end(answer);
      },
    );
  } else if (path === "/throw") {
    throw new Error("handler bug");
  } else {
    ex.writeHead(404, "Not Found", [], { contentLength: 0 });
    ex.end();
  }
  void maxPending;
}

let server: TCPSocketListener<unknown>;
beforeAll(() => {
  server = listenRaw({ hostname: "127.0.0.1", port: 0, onRequest: handle }) as TCPSocketListener<unknown>;
});
afterAll(() => server.stop(true));

interface Talk {
  /** Everything received until the server closed or `done` said so. */
  received: string;
  closed: boolean;
}

/** Sends `parts` in order (each after the previous `waitFor` text arrived); bounded by time. */
async function talk(parts: Array<{ send: string; waitFor?: string }>, done: (received: string) => boolean, timeoutMs = 3000): Promise<Talk> {
  const result: Talk = { received: "", closed: false };
  let wake = () => {};
  const changed = () => new Promise<void>((r) => (wake = r));
  const socket: Socket<undefined> = await Bun.connect({
    hostname: "127.0.0.1",
    port: server.port,
    socket: {
      data(_s, chunk) {
        result.received += Buffer.from(chunk).toString("latin1");
        wake();
      },
      close() {
        result.closed = true;
        wake();
      },
    },
  });
  const deadline = Date.now() + timeoutMs;
  const until = async (pred: () => boolean) => {
    while (!pred() && !result.closed && Date.now() < deadline) await Promise.race([changed(), Bun.sleep(50)]);
  };
  for (const part of parts) {
    socket.write(part.send);
    if (part.waitFor) await until(() => result.received.includes(part.waitFor!));
  }
  await until(() => done(result.received));
  if (!result.closed) await Bun.sleep(30); // give an unexpected close or extra bytes a chance to show
  const snapshot = { ...result }; // before our own end() closes the socket
  socket.end();
  return snapshot;
}

const countOf = (s: string, needle: string) => s.split(needle).length - 1;

describe("response head hooks that only append", () => {
  test("a head without their fields keeps its lines and gets theirs, in the hooks' order, without running them", async () => {
    hookRuns.frame = hookRuns.served = 0;
    const r = await talk([{ send: "GET /hooked HTTP/1.1\r\nHost: a\r\n\r\n" }], (s) => s.endsWith("ok"));
    expect(r.received).toBe("HTTP/1.1 200 OK\r\nServer: up\r\nX-Served-By: sluice\r\nX-Frame-Options: DENY\r\nContent-Length: 2\r\n\r\nok");
    expect(hookRuns).toEqual({ frame: 0, served: 0 });
  });

  test("a head that has one of their fields becomes a list and every hook runs (the field is replaced)", async () => {
    hookRuns.frame = hookRuns.served = 0;
    const r = await talk([{ send: "GET /hooked-framed HTTP/1.1\r\nHost: a\r\n\r\n" }], (s) => s.endsWith("ok"));
    expect(r.received).toBe("HTTP/1.1 200 OK\r\nServer: up\r\nX-Frame-Options: DENY\r\nX-Served-By: sluice\r\nContent-Length: 2\r\n\r\nok");
    expect(hookRuns).toEqual({ frame: 1, served: 1 });
  });
});

describe("listenRaw", () => {
  test("pipelined requests are answered in order on one connection", async () => {
    const r = await talk([{ send: "GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\n" }], (s) => s.includes("fast"));
    expect(r.received.indexOf("slow")).toBeGreaterThan(0);
    expect(r.received.indexOf("slow")).toBeLessThan(r.received.indexOf("fast"));
    expect(r.closed).toBe(false);
  });

  test("Content-Length framing replaces framing headers from the handler", async () => {
    const r = await talk([{ send: "GET /len HTTP/1.1\r\nHost: a\r\n\r\n" }], (s) => s.endsWith("hello"));
    expect(r.received).toContain("Content-Length: 5\r\n");
    expect(r.received).not.toContain("Transfer-Encoding");
    expect(r.received.endsWith("\r\n\r\nhello")).toBe(true);
  });

  test("HEAD announces the length but sends no body; the connection stays usable", async () => {
    const r = await talk([{ send: "HEAD /len HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\n" }], (s) => s.endsWith("fast"));
    expect(r.received).not.toContain("hello");
    expect(countOf(r.received, "HTTP/1.1 200")).toBe(2);
    expect(r.received.endsWith("Content-Length: 4\r\n\r\nfast")).toBe(true);
  });

  test.each(["/204", "/304"])("%s has no body and no framing for one", async (path) => {
    const r = await talk([{ send: `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\n` }], (s) => s.endsWith("fast"));
    const first = r.received.slice(0, r.received.indexOf("\r\n\r\n") + 4);
    expect(first).not.toContain("Transfer-Encoding");
    expect(first.includes("Content-Length")).toBe(path === "/304");
    expect(r.received.slice(first.length).startsWith("HTTP/1.1 200")).toBe(true);
  });

  test("unknown length is chunked for HTTP/1.1, with trailers", async () => {
    const r = await talk([{ send: "GET /stream HTTP/1.1\r\nHost: a\r\n\r\n" }], (s) => s.endsWith("\r\n\r\n") && s.includes("0\r\n"));
    expect(r.received).toContain("Transfer-Encoding: chunked\r\n");
    expect(r.received.endsWith("\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\nX-T: 1\r\n\r\n")).toBe(true);
  });

  test("unknown length is close-delimited for HTTP/1.0", async () => {
    const r = await talk([{ send: "GET /stream HTTP/1.0\r\n\r\n" }], () => false, 1500);
    expect(r.closed).toBe(true);
    expect(r.received).toContain("Connection: close\r\n");
    expect(r.received.endsWith("\r\n\r\nabcd")).toBe(true);
  });

  test("Connection: close is honoured", async () => {
    const r = await talk([{ send: "GET /fast HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" }], () => false, 1500);
    expect(r.closed).toBe(true);
    expect(r.received).toContain("Connection: close\r\n");
  });

  test("Expect: 100-continue gets 100 before the body is sent", async () => {
    const r = await talk(
      [
        { send: "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n", waitFor: "100 Continue" },
        { send: "data" },
      ],
      (s) => s.endsWith("data"),
    );
    expect(r.received.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")).toBe(true);
  });

  test("chunked request body is de-chunked for the handler", async () => {
    const r = await talk([{ send: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-A: 1\r\n\r\n" }], (s) => s.endsWith("abcde"));
    expect(r.received).toContain("X-Trailers: 1\r\n");
    expect(r.received).toContain("Content-Length: 5\r\n");
  });

  test("a smuggling attempt gets 400 and the connection closes", async () => {
    const r = await talk([{ send: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\n" }], () => false, 1500);
    expect(r.closed).toBe(true);
    expect(r.received.startsWith("HTTP/1.1 400 Bad Request\r\n")).toBe(true);
    expect(r.received).not.toContain("fast");
  });

  test("a throwing handler gives 500", async () => {
    const r = await talk([{ send: "GET /throw HTTP/1.1\r\nHost: a\r\n\r\n" }], (s) => s.includes("\r\n\r\n"));
    expect(r.received.startsWith("HTTP/1.1 500 ")).toBe(true);
  });

  test.each([["Content-Length", false], ["chunked", true]])("4 MiB upload (%s) read late arrives whole", async (_name, stream) => {
    const data = new Uint8Array(4 * 1024 * 1024).fill(97);
    const body = stream
      ? new ReadableStream<Uint8Array>({
          start(c) {
            for (let i = 0; i < 64; i++) c.enqueue(data.subarray(i * 65536, (i + 1) * 65536));
            c.close();
          },
        })
      : data;
    const res = await fetch(`http://127.0.0.1:${server.port}/late`, { method: "POST", body, proxy: false });
    expect(await res.text()).toBe(String(data.length));
  });

  test("a plain front frees body reads its reader is done with, and only those", async () => {
    const data = new Uint8Array(4 * 1024 * 1024).fill(98);
    const answer = async (path: string) => (await (await fetch(`http://127.0.0.1:${server.port}${path}`, { method: "POST", body: data, proxy: false })).text()).split(" ").map(Number);
    const [doneBytes, doneChunks, doneFreed] = await answer("/done");
    expect(doneBytes).toBe(data.length);
    // Every big read but the one that began with the request head holds body bytes only.
    expect(doneFreed).toBeGreaterThan(0);
    expect(doneFreed).toBeGreaterThanOrEqual(doneChunks - 1);
    const [keepBytes, keepChunks, keepFreed] = await answer("/keep");
    expect(keepBytes).toBe(data.length);
    expect(keepChunks).toBeGreaterThan(1);
    expect(keepFreed).toBe(0);
  });

  test("32 MiB response goes out with backpressure, bytes complete", async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/big`, { proxy: false });
    const body = await res.arrayBuffer();
    expect(body.byteLength).toBe(32 * 1024 * 1024);
    expect(sawBackpressure).toBe(true);
  });
});
