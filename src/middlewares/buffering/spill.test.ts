import { describe, expect, test } from "bun:test";
import { usePrivateTmpdir } from "./private-tmpdir.ts";
import type { Handler } from "../../server/handler.ts";
import { mustBuild, run } from "../testing.ts";
import "./index.ts";

// Bodies past mem*BodyBytes go to a temporary file under os.tmpdir(): point
// it at a private directory so the tests can see the file come and go.
const tmp = usePrivateTmpdir("sluice-spill-test-");
const leftovers = tmp.leftovers;
/** Bounded wait for the temp dir to empty (a streamed response removes its file just after its end). */
async function settled(): Promise<string[]> {
  for (let i = 0; i < 100 && leftovers().length > 0; i++) await Bun.sleep(5);
  return leftovers();
}

const KiB = 1024;
const MiB = 1024 * KiB;
const BLOCK = crypto.getRandomValues(new Uint8Array(64 * KiB));
const sha = (data: Uint8Array | ArrayBuffer) => new Bun.CryptoHasher("sha256").update(data).digest("hex");

/**
 * A pulled stream of `total` bytes in 64 KiB chunks, each chunk stamped with
 * its index (a lost or reordered chunk changes the hash). `hash()` is the
 * sha256 of what was produced; `onChunk` sees each chunk index.
 */
function source(total: number, onChunk?: (index: number, c: ReadableStreamDefaultController<Uint8Array>) => boolean | void) {
  const hasher = new Bun.CryptoHasher("sha256");
  let sent = 0;
  let index = 0;
  let digest = "";
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (onChunk?.(index, c) === false) return new Promise<void>(() => {}); // stalls
        if (sent >= total) {
          digest = hasher.digest("hex");
          return c.close();
        }
        const chunk = BLOCK.slice(0, Math.min(BLOCK.byteLength, total - sent));
        new DataView(chunk.buffer).setUint32(0, index++);
        hasher.update(chunk);
        sent += chunk.byteLength;
        c.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, hash: () => digest };
}

const post = (body: ReadableStream<Uint8Array>, signal?: AbortSignal) =>
  new Request("http://a.test/up", { method: "POST", body, signal, duplex: "half" } as RequestInit);

/** A backend that hashes the body it gets, reading it as a stream. */
function hashingBackend(seen: { files?: number; length?: string | null; hashes: string[] }, onChunk?: (read: number) => void): Handler {
  return async (req, ctx) => {
    seen.files = leftovers().length;
    seen.length = req.headers.get("content-length");
    const hasher = new Bun.CryptoHasher("sha256");
    let read = 0;
    for await (const chunk of req.body! as unknown as AsyncIterable<Uint8Array>) {
      hasher.update(chunk);
      read += chunk.byteLength;
      onChunk?.(read);
    }
    seen.hashes.push(hasher.digest("hex"));
    ctx.originStatus = 200;
    return new Response(`got ${read}`);
  };
}

describe("request bodies past memRequestBodyBytes", () => {
  test("arrive whole with a Content-Length; the temp file exists during the exchange, not after", async () => {
    const src = source(3 * MiB + 5);
    const seen = { hashes: [] as string[], files: 0, length: null as string | null };
    const { res } = await run(mustBuild("buffering", { memRequestBodyBytes: 64 * KiB }), post(src.stream), { next: hashingBackend(seen) });
    expect(await res.text()).toBe(`got ${3 * MiB + 5}`);
    expect(seen).toEqual({ files: 1, length: String(3 * MiB + 5), hashes: [src.hash()] });
    expect(leftovers()).toEqual([]);
  });

  test("within memRequestBodyBytes no file is made", async () => {
    const src = source(200 * KiB);
    const seen = { hashes: [] as string[], files: 0, length: null as string | null };
    await run(mustBuild("buffering", {}), post(src.stream), { next: hashingBackend(seen) }); // default mem: 1 MiB
    expect(seen).toEqual({ files: 0, length: String(200 * KiB), hashes: [src.hash()] });
  });

  test("a 64 MiB upload with mem 1 MiB does not cost its size in memory", async () => {
    Bun.gc(true);
    const base = process.memoryUsage().rss;
    let peak = base;
    // Sampled every 4 MiB while buffering and while the backend reads; a full
    // collection first, so only what is still referenced counts.
    const sample = (i: number) => {
      if (i % 64 !== 0) return;
      Bun.gc(true);
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const src = source(64 * MiB, (i) => sample(i));
    const seen = { hashes: [] as string[], files: 0, length: null as string | null };
    const { res } = await run(mustBuild("buffering", { memRequestBodyBytes: MiB }), post(src.stream), {
      next: hashingBackend(seen, (read) => sample(read / (64 * KiB))),
    });
    expect(res.status).toBe(200);
    expect(seen.hashes).toEqual([src.hash()]);
    expect(seen.length).toBe(String(64 * MiB));
    expect(peak - base).toBeLessThan(24 * MiB);
    expect(leftovers()).toEqual([]);
  }, 20_000);

  test("a retried request sends the whole body (memory + file) each time", async () => {
    const src = source(2 * MiB);
    const hashes: string[] = [];
    let attempt = 0;
    const read = hashingBackend({ hashes });
    const next: Handler = async (req, ctx, conn) => {
      const res = await read(req, ctx, conn);
      if (++attempt < 3) {
        ctx.originStatus = undefined;
        ctx.error = "connection reset";
        return new Response("Bad Gateway\n", { status: 502 });
      }
      return res;
    };
    const mw = mustBuild("buffering", { memRequestBodyBytes: 100 * KiB, retryExpression: "IsNetworkError() && Attempts() < 5" });
    const { res } = await run(mw, post(src.stream), { next });
    expect(res.status).toBe(200);
    expect(hashes).toEqual([src.hash(), src.hash(), src.hash()]);
    expect(leftovers()).toEqual([]);
  });
});

describe("the request's temp file is removed whatever the end", () => {
  const mem = { memRequestBodyBytes: 64 * KiB };
  let filesDuring = 0;
  const noteFiles = () => void (filesDuring = leftovers().length);

  test("the client's upload fails half way", async () => {
    const src = source(MiB, (i, c) => {
      if (i < 8) return;
      noteFiles();
      c.error(new Error("connection reset by peer"));
      return false;
    });
    let called = false;
    const next: Handler = () => ((called = true), new Response("no"));
    expect(run(mustBuild("buffering", mem), post(src.stream), { next })).rejects.toThrow("connection reset by peer");
    await Bun.sleep(20);
    expect([filesDuring, called, leftovers()]).toEqual([1, false, []]);
  });

  test("the client goes away half way through the upload (signal): 499", async () => {
    const abort = new AbortController();
    const src = source(MiB, (i) => {
      if (i < 8) return;
      noteFiles();
      abort.abort();
      return false; // the client sends nothing more
    });
    const { res, ctx } = await run(mustBuild("buffering", mem), post(src.stream, abort.signal));
    expect([res.status, ctx.error, filesDuring, leftovers()]).toEqual([499, "client closed request", 1, []]);
  });

  test.each([
    ["answers 502 (network error) after reading part of the body", "502", 502],
    ["throws", "throw", 0],
    ["sees the client go away", "abort", 499],
  ])("the upstream %s", async (_name, how, status) => {
    const abort = new AbortController();
    const next: Handler = async (req, ctx) => {
      noteFiles();
      const reader = req.body!.getReader();
      await reader.read();
      await reader.read();
      if (how === "throw") throw new Error("upstream exploded");
      if (how === "abort") abort.abort();
      ctx.error = "connection reset";
      return new Response("Bad Gateway\n", { status: 502 });
    };
    const pending = run(mustBuild("buffering", mem), post(source(MiB).stream, abort.signal), { next });
    if (how === "throw") expect(pending).rejects.toThrow("upstream exploded");
    else expect((await pending).res.status).toBe(status);
    await Bun.sleep(20);
    expect([filesDuring, leftovers()]).toEqual([1, []]);
  });

  test("the body passes maxRequestBodyBytes after spilling: 413", async () => {
    let called = false;
    const next: Handler = () => ((called = true), new Response("no"));
    const src = source(3 * MiB, (i) => void (i === 20 && noteFiles()));
    const { res } = await run(mustBuild("buffering", { ...mem, maxRequestBodyBytes: 2 * MiB }), post(src.stream), { next });
    expect([res.status, called, filesDuring, leftovers()]).toEqual([413, false, 1, []]);
  });
});

describe("response bodies past memResponseBodyBytes", () => {
  const mem = { memResponseBodyBytes: 64 * KiB };
  const answering = (body: ReadableStream<Uint8Array>): Handler => (_req, ctx) => ((ctx.originStatus = 200), new Response(body));

  test("arrive whole with a Content-Length; the file lives until the body is sent", async () => {
    const src = source(3 * MiB + 7);
    const { res, ctx } = await run(mustBuild("buffering", mem), "http://a.test/", { next: answering(src.stream) });
    expect(res.headers.get("content-length")).toBe(String(3 * MiB + 7));
    expect(ctx.streamedResponse).toBe(true);
    expect(leftovers().length).toBe(1);
    expect(sha(await res.arrayBuffer())).toBe(src.hash());
    expect(await settled()).toEqual([]);
  });

  test("the client goes away while the body is sent", async () => {
    const { res } = await run(mustBuild("buffering", mem), "http://a.test/", { next: answering(source(2 * MiB).stream) });
    const reader = res.body!.getReader();
    for (let i = 0; i < 3; i++) await reader.read();
    expect(leftovers().length).toBe(1);
    await reader.cancel();
    expect(await settled()).toEqual([]);
  });

  test.each([
    ["passes maxResponseBodyBytes", { maxResponseBodyBytes: MiB }, 500, (i: number) => void i],
    ["fails half way", {}, 502, (i: number, c: ReadableStreamDefaultController<Uint8Array>) => (i < 8 ? undefined : (c.error(new Error("reset")), false))],
  ] as const)("the upstream body %s after spilling: %p, no file left", async (_name, options, status, onChunk) => {
    let filesDuring = 0;
    const src = source(2 * MiB, (i, c) => (i === 5 && (filesDuring = leftovers().length), onChunk(i, c)));
    const { res } = await run(mustBuild("buffering", { ...mem, ...options }), "http://a.test/", { next: answering(src.stream) });
    expect([res.status, filesDuring, leftovers()]).toEqual([status, 1, []]);
  });
});
