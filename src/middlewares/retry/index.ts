import type { RequestContext } from "../../server/request-context.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { ReplayableBody } from "./replayable-body.ts";

// retry: sends a request again when the backend did not answer at all
// (connection refused, reset before a response, dial timeout), up to
// `attempts` tries in total, waiting an exponential backoff between tries
// when `initialInterval` is set. A backend's own answer, whatever its status,
// is never retried. A request with a body goes out again only when no byte
// of it can have reached a backend (see replayable-body.ts): no attempt read
// it, or the connection was refused and what was read is still kept.

/** Traefik's backoff (cenkalti ExponentialBackOff): the interval grows from initialInterval to 2x over the attempts, ±50% jitter. */
export function backoffDelayMs(retry: number, attempts: number, initialMs: number, random: () => number = Math.random): number {
  if (attempts < 2 || initialMs <= 0) return 0;
  const multiplier = 2 ** (1 / (attempts - 1));
  const interval = initialMs * multiplier ** (retry - 1);
  return interval * (0.5 + random());
}

/**
 * The connection was never opened (refused, TLS handshake failed): nothing of
 * the request reached a backend. The proxy records `kind: message` on ctx.error.
 */
export function refusedBeforeSending(ctx: RequestContext): boolean {
  return ctx.error?.startsWith("refused:") === true;
}

/** A network failure Sluice answered itself: no response came from the backend. */
export function isNetworkFailure(res: Response, ctx: RequestContext): boolean {
  // 503 without origin is "no healthy server": Traefik does not retry it either.
  return ctx.originStatus === undefined && ctx.error !== undefined && res.status !== 503 && res.status !== 499;
}

/** Forgets what a failed attempt wrote on the context, so logs show the last attempt. */
export function resetAttempt(ctx: RequestContext): void {
  ctx.error = undefined;
  ctx.originStatus = undefined;
  ctx.originDurationMs = undefined;
  ctx.originContentSize = undefined;
  ctx.serviceUrl = undefined;
  ctx.serviceAddr = undefined;
  ctx.responseHeaders = undefined;
  ctx.streamedResponse = undefined;
  ctx.downstreamStatus = 0;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

registerMiddleware("retry", (options) => {
  const o = new OptionReader(options);
  const attempts = o.number("attempts", { integer: true, min: 1, required: true });
  const initialMs = o.duration("initialInterval") ?? 0;
  o.finish();
  if (o.hasErrors() || attempts === undefined) return { errors: o.problems };
  return {
    warnings: o.problems,
    middleware: (next) => async (req, ctx, conn) => {
      const body = req.body ? new ReplayableBody(req.body) : null;
      for (let attempt = 1; ; attempt++) {
        const attemptReq = body ? withBody(req, body.forAttempt()) : req;
        const res = await next(attemptReq, ctx, conn);
        const bodyCanGoAgain = !body || !body.consumed || (body.replayable && refusedBeforeSending(ctx));
        if (attempt >= attempts || !isNetworkFailure(res, ctx) || !bodyCanGoAgain || req.signal.aborted) return res;
        await res.body?.cancel().catch(() => {});
        await sleep(backoffDelayMs(attempt, attempts, initialMs), req.signal);
        if (req.signal.aborted) return res;
        resetAttempt(ctx);
        ctx.retryAttempts = attempt;
      }
    },
  };
});

function withBody(req: Request, body: ReadableStream<Uint8Array>): Request {
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body,
    signal: req.signal,
    redirect: "manual",
    duplex: "half",
  } as RequestInit);
}
