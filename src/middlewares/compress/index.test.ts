import { describe, expect, test } from "bun:test";
import zlib from "node:zlib";
import type { Handler } from "../../server/handler.ts";
import { buildKind, mustBuild, run } from "../testing.ts";
import { chooseEncoding, type Choice, type Encoding } from "./accept-encoding.ts";
import { AVAILABLE } from "./encoders.ts";
import "./index.ts";

// Where Sluice differs from Traefik on purpose:
// - nothing acceptable but identity not refused ("compress, rar"): Traefik
//   answers 406, Sluice sends the body unencoded; 406 only with identity;q=0 / *;q=0.
// - text/event-stream is never compressed (Traefik: only application/grpc).
// - a strong ETag becomes weak on a compressed body; Accept-Ranges is dropped.
// - a request with a Range header is passed through untouched.

const ORDER: Encoding[] = ["gzip", "br", "zstd"];

describe("choosing the encoding", () => {
  test.each([
    [null, undefined, ORDER, "identity"],
    [null, "br", ORDER, "br"],
    ["", undefined, ORDER, "identity"],
    ["gzip, br", undefined, ORDER, "gzip"],
    ["br, gzip", undefined, ORDER, "gzip"], // configured order breaks ties
    ["br, gzip", undefined, ["br", "gzip"], "br"],
    ["compress, gzip", undefined, ORDER, "gzip"],
    ["compress, rar", undefined, ORDER, "identity"], // Traefik: 406
    ["*", undefined, ORDER, "gzip"],
    ["*", "br", ORDER, "br"],
    ["br;q=0.8, gzip;q=1.0, *;q=0.1", undefined, ORDER, "gzip"],
    ["br;q=0.8, identity;q=1.0", undefined, ORDER, "identity"],
    ["br;q=0.8, identity;q=0.8", undefined, ORDER, "br"],
    ["compress;q=1.0, gzip;q=0.5", undefined, ORDER, "gzip"],
    ["compress;q=1.0, gzip, identity;q=0", undefined, ORDER, "gzip"],
    ["compress;q=1.0, identity;q=0", undefined, ORDER, "not-acceptable"],
    ["compress;q=1.0, *;q=0", undefined, ORDER, "not-acceptable"],
    ["gzip, *;q=0", undefined, ORDER, "gzip"],
    ["zstd, gzip, br", undefined, ["br", "gzip"], "br"],
    ["br;q=0.8, gzip;q=1.0, *;q=0.1", undefined, ["zstd", "br"], "br"],
    ["gzip, br;q=0.9", undefined, ["gzip", "br"], "gzip"],
    ["br;q=0, gzip;q=0, zstd;q=0", undefined, ORDER, "identity"],
    ["br;q=1.0, zstd;q=1.0, gzip;q=1.0", "br", ORDER, "gzip"],
    ["GZIP ; Q=0.5 , br;q=0.4", undefined, ORDER, "gzip"],
    ["gzip;q=abc, br", undefined, ORDER, "br"], // a bad q-value counts as 0
  ] as [string | null, Encoding | undefined, Encoding[], Choice][])("Accept-Encoding %p (default %p, encodings %p) -> %p", (header, def, encodings, want) => {
    expect(chooseEncoding(header, { encodings, defaultEncoding: def })).toBe(want);
  });
});

const BIG = JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item ${i}`, ok: i % 2 === 0 })));

/** A backend answering `body` with `headers`; `stream` hides the length. */
function backend(body: string, headers: Record<string, string> = {}, opts: { status?: number; stream?: boolean } = {}): Handler {
  return () => {
    const bytes = new TextEncoder().encode(body);
    const payload = opts.stream
      ? new ReadableStream<Uint8Array>({
          start(c) {
            for (let i = 0; i < bytes.length; i += 500) c.enqueue(bytes.slice(i, i + 500));
            c.close();
          },
        })
      : bytes;
    const h = new Headers({ "content-type": "application/json", ...headers });
    if (!opts.stream) h.set("content-length", String(bytes.length));
    return new Response(payload, { status: opts.status ?? 200, headers: h });
  };
}

async function get(options: Record<string, unknown>, next: Handler, reqHeaders: Record<string, string> = { "accept-encoding": "gzip" }, method = "GET") {
  const req = new Request("http://a.test/", { method, headers: reqHeaders });
  const { res } = await run(mustBuild("compress", options), req, { next });
  const raw = new Uint8Array(await res.arrayBuffer());
  return { res, raw, encoding: res.headers.get("content-encoding") };
}

function decode(encoding: string | null, raw: Uint8Array): string {
  const buf = Buffer.from(raw);
  if (encoding === "gzip") return zlib.gunzipSync(buf).toString();
  if (encoding === "br") return zlib.brotliDecompressSync(buf).toString();
  if (encoding === "zstd") return (zlib as unknown as { zstdDecompressSync(b: Buffer): Buffer }).zstdDecompressSync(buf).toString();
  return buf.toString();
}

describe("compress middleware", () => {
  test.each([["gzip"], ["br"], ["zstd"]])("%p: decodes to the original, headers adjusted", async (enc) => {
    if (!AVAILABLE.has(enc as Encoding)) return; // zstd needs a recent Bun (warned at build)
    const { res, raw, encoding } = await get({}, backend(BIG, { etag: '"v1"', "accept-ranges": "bytes", vary: "Origin" }), { "accept-encoding": enc });
    expect(encoding).toBe(enc);
    expect(raw.length).toBeLessThan(BIG.length / 2);
    expect(decode(encoding, raw)).toBe(BIG);
    expect(res.headers.get("content-length")).not.toBe(String(BIG.length));
    expect(res.headers.get("vary")).toBe("Origin, Accept-Encoding");
    expect(res.headers.get("etag")).toBe('W/"v1"');
    expect(res.headers.has("accept-ranges")).toBe(false);
  });

  test("a streamed body of unknown length is compressed once it passes minResponseBodyBytes", async () => {
    const { raw, encoding } = await get({}, backend(BIG, {}, { stream: true }));
    expect(encoding).toBe("gzip");
    expect(decode(encoding, raw)).toBe(BIG);
  });

  test.each([
    // why, options, body, headers, request headers, status/stream, encoded?
    ["no Accept-Encoding", {}, BIG, {}, {}, {}, false],
    ["no Accept-Encoding, defaultEncoding", { defaultEncoding: "gzip" }, BIG, {}, {}, {}, true],
    ["known length under the minimum", {}, "x".repeat(1023), {}, undefined, {}, false],
    ["known length at the minimum", {}, "x".repeat(1024), {}, undefined, {}, true],
    ["unknown length under the minimum", {}, "x".repeat(900), {}, undefined, { stream: true }, false],
    ["minResponseBodyBytes 0", { minResponseBodyBytes: 0 }, "x", {}, undefined, {}, true],
    ["minResponseBodyBytes 2000", { minResponseBodyBytes: 2000 }, "x".repeat(1500), {}, undefined, {}, false],
    ["already encoded", {}, BIG, { "content-encoding": "br" }, undefined, {}, false],
    ["a 206 answer", {}, BIG, { "content-range": "bytes 0-99/5000" }, undefined, { status: 206 }, false],
    ["a Range request", {}, BIG, {}, { "accept-encoding": "gzip", range: "bytes=0-" }, {}, false],
    ["a 204", {}, "", {}, undefined, { status: 204 }, false],
    ["a 404 page", {}, BIG, {}, undefined, { status: 404 }, true],
    ["gRPC", {}, BIG, { "content-type": "application/grpc" }, undefined, {}, false],
    ["event stream", {}, BIG, { "content-type": "text/event-stream" }, undefined, {}, false],
    ["excluded type", { excludedContentTypes: ["application/json"] }, BIG, {}, undefined, {}, false],
    ["excluded type, other case and spaces", { excludedContentTypes: ["Application/JSON"] }, BIG, { "content-type": "application/json ; charset=utf-8" }, undefined, {}, false],
    ["excluded with a parameter that differs", { excludedContentTypes: ["application/json; charset=latin1"] }, BIG, { "content-type": "application/json; charset=utf-8" }, undefined, {}, true],
    ["not excluded", { excludedContentTypes: "text/html,image/png" }, BIG, {}, undefined, {}, true],
    ["included type", { includedContentTypes: ["application/json"] }, BIG, {}, undefined, {}, true],
    ["not included", { includedContentTypes: ["text/html"] }, BIG, {}, undefined, {}, false],
    ["no Content-Type, included list", { includedContentTypes: ["text/html"] }, BIG, { "content-type": "" }, undefined, {}, false],
    ["only br configured, client wants gzip", { encodings: ["br"] }, BIG, {}, undefined, {}, false],
  ] as [string, Record<string, unknown>, string, Record<string, string>, Record<string, string> | undefined, { status?: number; stream?: boolean }, boolean][])(
    "%s", async (_why, options, body, headers, reqHeaders, resOpts, encoded) => {
      const { res, raw, encoding } = await get(options, backend(body, headers, resOpts), reqHeaders);
      expect(encoding !== null && encoding !== headers["content-encoding"]).toBe(encoded);
      expect(res.status).toBe(resOpts.status ?? 200);
      if (!headers["content-encoding"]) expect(decode(encoding, raw)).toBe(body);
    },
  );

  test("a small body of unknown length goes out whole with a Content-Length", async () => {
    const { res } = await get({}, backend("y".repeat(900), {}, { stream: true }));
    expect(res.headers.get("content-length")).toBe("900");
  });

  test("HEAD is passed through", async () => {
    const { res, encoding } = await get({}, backend(BIG), { "accept-encoding": "gzip" }, "HEAD");
    expect([res.status, encoding]).toEqual([200, null]);
  });

  test("identity refused and nothing acceptable: 406 without calling the backend", async () => {
    let called = false;
    const next: Handler = (r, c, k) => ((called = true), backend(BIG)(r, c, k));
    const { res } = await get({}, next, { "accept-encoding": "compress, identity;q=0" });
    expect([res.status, called]).toEqual([406, false]);
  });

  test("an eligible response sent unencoded still says Vary: Accept-Encoding", async () => {
    const { res } = await get({}, backend(BIG), { "accept-encoding": "identity" });
    expect(res.headers.get("vary")).toBe("Accept-Encoding");
  });

  test.each([
    [{ excludedContentTypes: ["text/html"], includedContentTypes: ["text/css"] }, "includedContentTypes", "mutually exclusive"],
    [{ excludedContentTypes: ["html"] }, "excludedContentTypes[0]", "not a media type"],
    [{ encodings: ["gzip", "deflate"] }, "encodings[1]", "unknown encoding"],
    [{ encodings: [] }, "encodings", "at least one"],
    [{ defaultEncoding: "lz4" }, "defaultEncoding", "unknown encoding"],
    [{ encodings: ["gzip"], defaultEncoding: "br" }, "defaultEncoding", "not among the configured encodings"],
    [{ minResponseBodyBytes: -1 }, "minResponseBodyBytes", ">= 0"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("compress", options);
    expect(middleware).toBeUndefined();
    expect(problems.find((p) => p.severity !== "warning")!.path).toBe(path);
    expect(problems.find((p) => p.severity !== "warning")!.message).toContain(message);
  });
});
