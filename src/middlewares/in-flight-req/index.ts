import { answer } from "../../server/answers.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
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

  return {
    warnings: o.problems,
    middleware: (next) => {
      const inFlight = new Map<string, number>();
      const release = (source: string) => {
        const n = (inFlight.get(source) ?? 1) - 1;
        if (n <= 0) inFlight.delete(source); // idle sources cost no memory
        else inFlight.set(source, n);
      };
      return async (req, ctx, conn) => {
        const source = criterion.extract(req, ctx, conn);
        const current = inFlight.get(source) ?? 0;
        if (current >= amount) return answer(ctx, 429, "Too Many Requests", `${amount} requests already in flight`);
        inFlight.set(source, current + 1);
        const done = once(() => release(source));
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
  };
});
