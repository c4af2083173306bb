import type { RequestContext } from "../../server/request-context.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { chooseEncoding, ENCODINGS, type Encoding, type EncodingPolicy } from "./accept-encoding.ts";
import { AVAILABLE, encoderFor } from "./encoders.ts";
import { MediaTypeList } from "./media-types.ts";

// compress: encodes response bodies with gzip, br or zstd as the client
// accepts (accept-encoding.ts), streaming. Left alone: HEAD, bodiless
// statuses, range requests and 206 answers, responses already carrying a
// Content-Encoding, excluded (or not included) content types, and bodies
// shorter than minResponseBodyBytes (known from Content-Length, or found by
// reading at most that many bytes first).

const NO_BODY = new Set([101, 204, 205, 304]);
const DEFAULT_MIN_BYTES = 1024;

export interface CompressConfig extends EncodingPolicy {
  minBytes: number;
  types: MediaTypeList;
}

registerMiddleware("compress", (options) => {
  const o = new OptionReader(options);
  const excluded = o.stringList("excludedContentTypes");
  const included = o.stringList("includedContentTypes");
  const minBytes = o.number("minResponseBodyBytes", { integer: true, min: 0 }) ?? DEFAULT_MIN_BYTES;
  const listed = o.has("encodings") ? o.stringList("encodings") : [...ENCODINGS];
  const defaultRaw = o.string("defaultEncoding");
  o.finish();
  if (excluded.length && included.length) {
    o.error("includedContentTypes", "excludedContentTypes and includedContentTypes are mutually exclusive");
  }
  const types = MediaTypeList.build(excluded.length ? "exclude" : "include", excluded.length ? excluded : included, (i, why) =>
    o.error(`${excluded.length ? "excludedContentTypes" : "includedContentTypes"}[${i}]`, why),
  );
  const encodings: Encoding[] = [];
  listed.forEach((name, i) => {
    const enc = name.trim().toLowerCase() as Encoding;
    if (!ENCODINGS.includes(enc)) o.error(`encodings[${i}]`, `unknown encoding ${JSON.stringify(name)} (expected gzip, br or zstd)`);
    else if (!AVAILABLE.has(enc)) o.warn(`encodings[${i}]`, `${enc} is not available in this Bun build, skipped`);
    else if (!encodings.includes(enc)) encodings.push(enc);
  });
  if (o.has("encodings") && listed.length === 0) o.error("encodings", "needs at least one of gzip, br, zstd");
  let defaultEncoding: Encoding | undefined;
  if (defaultRaw !== undefined && defaultRaw !== "") {
    const d = defaultRaw.trim().toLowerCase() as Encoding;
    if (!ENCODINGS.includes(d)) o.error("defaultEncoding", `unknown encoding ${JSON.stringify(defaultRaw)} (expected gzip, br or zstd)`);
    else if (encodings.includes(d)) defaultEncoding = d;
    else if (AVAILABLE.has(d)) o.error("defaultEncoding", `${d} is not among the configured encodings`);
    else o.warn("defaultEncoding", `${d} is not available in this Bun build, ignored`);
  }
  if (o.hasErrors()) return { errors: o.problems };
  const config: CompressConfig = { encodings, defaultEncoding, minBytes, types };
  return { warnings: o.problems, middleware: (next) => (req, ctx, conn) => compressed(req, ctx, config, () => next(req, ctx, conn)) };
});

async function compressed(req: Request, ctx: RequestContext, config: CompressConfig, next: () => Promise<Response> | Response): Promise<Response> {
  if (req.method === "HEAD" || req.headers.has("range") || config.encodings.length === 0) return next();
  const choice = chooseEncoding(req.headers.get("accept-encoding"), config);
  if (choice === "not-acceptable") {
    ctx.error = "no acceptable content-coding";
    ctx.downstreamStatus = 406;
    return new Response("Not Acceptable\n", { status: 406, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  const res = await next();
  if (!res.body || NO_BODY.has(res.status) || res.status === 206 || res.status < 200) return res;
  const headers = res.headers;
  if (headers.has("content-encoding") || headers.has("content-range") || !config.types.allows(headers.get("content-type"))) return res;
  const length = headers.get("content-length");
  if (length !== null && Number(length) < config.minBytes) return res;

  // From here the answer depends on Accept-Encoding: caches must know.
  const out = new Headers(headers);
  appendVary(out);
  if (choice === "identity") return rebuilt(res, res.body, out, ctx);
  let body: ReadableStream<Uint8Array> = res.body;
  if (length === null && config.minBytes > 0) {
    const head = await readAtLeast(res.body, config.minBytes);
    if (head.done) {
      out.set("content-length", String(head.bytes.byteLength));
      return rebuilt(res, head.bytes, out, ctx);
    }
    body = head.rest;
  }
  out.set("content-encoding", choice);
  out.delete("content-length");
  out.delete("accept-ranges");
  const etag = out.get("etag");
  if (etag && !etag.startsWith("W/")) out.set("etag", `W/${etag}`);
  ctx.streamedResponse = true;
  return rebuilt(res, body.pipeThrough(encoderFor(choice)), out, ctx);
}

function rebuilt(res: Response, body: ReadableStream<Uint8Array> | Uint8Array, headers: Headers, ctx: RequestContext): Response {
  ctx.responseHeaders = headers;
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

function appendVary(h: Headers): void {
  const vary = h.get("vary");
  if (vary === null || vary.trim() === "") h.set("vary", "Accept-Encoding");
  else if (!vary.split(",").some((v) => { const t = v.trim().toLowerCase(); return t === "accept-encoding" || t === "*"; })) h.set("vary", `${vary}, Accept-Encoding`);
}

/**
 * Reads until `min` bytes arrived or the body ended. Ended: the whole body.
 * Otherwise a stream that replays what was read, then the rest.
 */
async function readAtLeast(
  body: ReadableStream<Uint8Array>,
  min: number,
): Promise<{ done: true; bytes: Uint8Array } | { done: false; rest: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < min) {
    const { done, value } = await reader.read();
    if (done) return { done: true, bytes: concat(chunks, size) };
    chunks.push(value);
    size += value.byteLength;
  }
  const rest = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
      },
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { done: false, rest };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
