import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { refusalResponse, refuseRaw, type Refusal } from "../source/refusal.ts";
import { readSourceCriterion } from "../source/source-criterion.ts";
import { once, releaseAtEnd } from "./release-at-end.ts";

// inFlightReq: at most `amount` requests in progress per source
// (sourceCriterion; default the request host, as in Traefik); one more is
// answered 429. A request holds its slot until its response body has been
// sent or the client went away. Counts are per router, as in Traefik.

registerMiddleware("inFlightReq", (options) => {
  const o = new OptionReader(options);
  const amount = o.number("amount", { integer: true, required: true });
  const criterion = readSourceCriterion(o, "requestHost");
  o.finish();
  // Traefik would build it with 0 and refuse every request; that is never wanted.
  if (amount !== undefined && amount < 1) o.error("amount", `expected an integer >= 1, got ${amount}`);
  if (o.hasErrors() || amount === undefined) return { errors: o.problems };

  const full: Refusal = { status: 429, text: "Too Many Requests", why: `${amount} requests already in flight` };

  // Each form counts on its own per router; a router is served by one form
  // only on a given front (the raw form whenever its whole chain has one).
  return {
    warnings: o.problems,
    middleware: (next) => {
      const slots = new SourceSlots(amount);
      return async (req, ctx, conn) => {
        const source = criterion.extract(req, ctx, conn);
        if (!slots.take(source)) return refusalResponse(ctx, full);
        const done = once(() => slots.release(source));
        let res: Response | undefined;
        try {
          res = await next(req, ctx, conn);
        } catch (err) {
          done();
          throw err;
        }
        // A WebSocket upgrade on Bun.serve answers nothing: the slot ends with the handler.
        // A body already in memory (small upstream bodies, Sluice's own answers) is as good
        // as sent; wrapping it would turn it into a stream and lose its Content-Length.
        if (res === undefined || res === null || !ctx.streamedResponse) {
          done();
          return res as Response;
        }
        return releaseAtEnd(res, done);
      };
    },
    // On the raw front the response is over when `done` is called (body sent,
    // client gone, upstream failed, tunnel closed): the slot is freed then.
    raw: (next) => {
      const slots = new SourceSlots(amount);
      return (ex, ctx, conn, done) => {
        const source = criterion.rawExtract(ex.head.headers, ctx, conn);
        if (!slots.take(source)) return refuseRaw(ex, ctx, full, done);
        const release = once(() => slots.release(source));
        try {
          next(ex, ctx, conn, () => {
            release();
            done();
          });
        } catch (err) {
          release();
          throw err;
        }
      };
    },
  };
});

/** In-flight counts per source; idle sources cost no memory. */
class SourceSlots {
  private readonly counts = new Map<string, number>();

  constructor(private readonly amount: number) {}

  /** Takes a slot for `source`; false when all `amount` are in use. */
  take(source: string): boolean {
    const current = this.counts.get(source) ?? 0;
    if (current >= this.amount) return false;
    this.counts.set(source, current + 1);
    return true;
  }

  release(source: string): void {
    const n = (this.counts.get(source) ?? 1) - 1;
    if (n <= 0) this.counts.delete(source);
    else this.counts.set(source, n);
  }
}
