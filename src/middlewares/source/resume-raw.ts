import type { RawExchange } from "../../server/raw/connection.ts";
import type { RequestContext } from "../../server/request-context.ts";
import { refuseRaw } from "./refusal.ts";

// Going on with a raw exchange after an asynchronous pause (rateLimit's
// delay, basicAuth's first hash check). Outside the front's call stack a
// throw would be lost, so it is answered here as the front answers it (500);
// a client that left meanwhile is only logged (499), as the forwarder does.

export function resumeRaw(ex: RawExchange, ctx: RequestContext, done: () => void, go: () => void): void {
  if (ex.aborted) {
    ctx.downstreamStatus = 499;
    ctx.error = "client closed request";
    return done();
  }
  try {
    go();
  } catch (err) {
    const why = `handler failed: ${(err as Error)?.message ?? err}`;
    if (!ex.aborted) refuseRaw(ex, ctx, { status: 500, text: "Internal Server Error", why }, done);
    else done();
  }
}
