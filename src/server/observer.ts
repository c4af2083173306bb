import type { RequestContext } from "./request-context.ts";

/** Whoever wants to hear about finished requests: access log, metrics. */
export interface RequestObserver {
  /** A request was routed and goes to its handler (not called for requests answered before routing). */
  started?(ctx: RequestContext): void;
  /** Called once per request when its response has been fully sent, or abandoned. */
  finished(ctx: RequestContext): void;
}

/**
 * Calls `done` when the response body has been sent. Streamed bodies are
 * wrapped in a pull-based stream (so backpressure still reaches the source)
 * that counts bytes and notices the end, an error or a client that left.
 */
export function observeResponse(res: Response, ctx: RequestContext, done: () => void): Response {
  const body = res.body;
  if (body === null || !ctx.streamedResponse) {
    ctx.downstreamContentSize = body === null ? 0 : (ctx.originContentSize ?? 0);
    done();
    return res;
  }
  let sent = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    ctx.downstreamContentSize = sent;
    done();
  };
  const reader = body.getReader();
  const counted = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done: end, value } = await reader.read();
          if (end) {
            controller.close();
            finish();
            return;
          }
          sent += value.byteLength;
          controller.enqueue(value);
        } catch (err) {
          ctx.error ??= `response body: ${(err as Error).message}`;
          controller.error(err);
          finish();
        }
      },
      cancel(reason) {
        ctx.error ??= "client closed connection during response";
        finish();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
}
