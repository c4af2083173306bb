import { answer } from "../../server/answers.ts";
import type { RequestContext } from "../../server/request-context.ts";
import { tryCompilePredicate, type FunctionTable, type Predicate } from "../expression/index.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { resetAttempt } from "../retry/index.ts";
import { readLimited } from "./read-limited.ts";
import type { Spool } from "./spool.ts";

// buffering: reads the whole request before sending it on (so the backend
// gets it at once, with a Content-Length, and it can be sent again), and the
// whole response before answering, as vulcand/oxy's buffer does for Traefik.
// Up to mem*BodyBytes of a body is kept in memory, the rest in a temporary
// file (spool.ts) that is removed once the request is over, whatever the end.
// Over maxRequestBodyBytes: 413, without calling the backend; over
// maxResponseBodyBytes: 500. retryExpression decides, after each attempt,
// whether to send the buffered request again (at most 10 attempts, as oxy).

export interface RetryEnv {
  attempt: number;
  status: number;
  networkError: boolean;
}

export const BUFFERING_FUNCTIONS: FunctionTable<RetryEnv> = {
  Attempts: { arity: 0, returns: "number", bind: () => (e) => e.attempt },
  ResponseCode: { arity: 0, returns: "number", bind: () => (e) => e.status },
  IsNetworkError: { arity: 0, returns: "boolean", bind: () => (e) => e.networkError },
};

const MAX_ATTEMPTS = 10;
const DEFAULT_MEM_BYTES = 1024 * 1024;

interface Limits {
  memRequest: number;
  maxRequest: number;
  memResponse: number;
  maxResponse: number;
  retry?: Predicate<RetryEnv>;
}

registerMiddleware("buffering", (options) => {
  const o = new OptionReader(options);
  const size = (key: string, fallback: number) => o.number(key, { integer: true, min: 0 }) ?? fallback;
  const maxRequest = size("maxRequestBodyBytes", 0);
  const memRequest = size("memRequestBodyBytes", DEFAULT_MEM_BYTES);
  const maxResponse = size("maxResponseBodyBytes", 0);
  const memResponse = size("memResponseBodyBytes", DEFAULT_MEM_BYTES);
  const expression = o.string("retryExpression");
  o.finish();
  let retry: Predicate<RetryEnv> | undefined;
  if (expression !== undefined && expression.trim() !== "") {
    const compiled = tryCompilePredicate(expression, BUFFERING_FUNCTIONS);
    if (typeof compiled === "string") o.error("retryExpression", `${compiled} in ${JSON.stringify(expression)}`);
    else retry = compiled;
  }
  if (o.hasErrors()) return { errors: o.problems };
  const limits: Limits = { memRequest, maxRequest, memResponse, maxResponse, retry };
  return { warnings: o.problems, middleware: (next) => (req, ctx, conn) => buffered(req, ctx, limits, (r) => next(r, ctx, conn)) };
});

async function buffered(req: Request, ctx: RequestContext, limits: Limits, next: (req: Request) => Promise<Response> | Response): Promise<Response> {
  let spool: Spool | null = null;
  if (req.body) {
    const declared = Number(req.headers.get("content-length") ?? NaN);
    if (limits.maxRequest > 0 && declared > limits.maxRequest) return tooLarge(ctx, declared, limits.maxRequest);
    let read;
    try {
      read = await readLimited(req.body, { mem: limits.memRequest, max: limits.maxRequest }, req.signal);
    } catch (err) {
      if (req.signal.aborted) return clientGone(ctx);
      throw err;
    }
    if (!read.ok) return tooLarge(ctx, read.size, limits.maxRequest);
    spool = read.spool;
    ctx.requestContentSize = spool.size;
  }
  // The response is read whole before this returns, so the request body
  // (and its file) is no longer needed by then, whatever happened.
  try {
    for (let attempt = 1; ; attempt++) {
      const res = await next(spool ? withBufferedBody(req, spool) : req);
      const networkError = ctx.originStatus === undefined && (res.status === 502 || res.status === 504);
      const retry = limits.retry !== undefined && attempt < MAX_ATTEMPTS && !req.signal.aborted
        && limits.retry({ attempt, status: res.status, networkError });
      if (retry) {
        await res.body?.cancel().catch(() => {});
        resetAttempt(ctx);
        continue;
      }
      return await bufferResponse(res, req.signal, ctx, limits);
    }
  } finally {
    await spool?.dispose();
  }
}

async function bufferResponse(res: Response, signal: AbortSignal, ctx: RequestContext, limits: Limits): Promise<Response> {
  if (!res.body) return res;
  let read;
  try {
    read = await readLimited(res.body, { mem: limits.memResponse, max: limits.maxResponse }, signal);
  } catch (e) {
    if (signal.aborted) return clientGone(ctx);
    return answer(ctx, 502, "Bad Gateway", `reading the response body failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!read.ok) return answer(ctx, 500, "Internal Server Error", `response body over maxResponseBodyBytes (${limits.maxResponse})`);
  const spool = read.spool;
  const headers = new Headers(res.headers);
  headers.set("content-length", String(spool.size));
  headers.delete("transfer-encoding");
  const init = { status: res.status, statusText: res.statusText, headers };
  const bytes = spool.bytes();
  if (bytes) {
    ctx.streamedResponse = false;
    return new Response(bytes, init);
  }
  // Spilled to a file: streamed out from memory + file, the file removed
  // once the body is sent, fails, or the client goes away (stream cancel).
  ctx.streamedResponse = true;
  return new Response(spool.stream(() => void spool.dispose()), init);
}

function tooLarge(ctx: RequestContext, size: number, max: number): Response {
  return answer(ctx, 413, "Request Entity Too Large", `request body of ${size} bytes over maxRequestBodyBytes (${max})`);
}

function clientGone(ctx: RequestContext): Response {
  ctx.error = "client closed request";
  ctx.downstreamStatus = 499;
  return new Response(null, { status: 499 });
}

/** The buffered request, framed by Content-Length: the body from memory, or memory + file. */
function withBufferedBody(req: Request, spool: Spool): Request {
  const headers = new Headers(req.headers);
  headers.set("content-length", String(spool.size));
  headers.delete("transfer-encoding");
  const body = spool.bytes() ?? spool.stream();
  return new Request(req.url, { method: req.method, headers, body, signal: req.signal, redirect: "manual", duplex: "half" } as RequestInit);
}
