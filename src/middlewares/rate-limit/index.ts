import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { refusalResponse, refuseRaw, type Refusal } from "../source/refusal.ts";
import { resumeRaw } from "../source/resume-raw.ts";
import { readSourceCriterion } from "../source/source-criterion.ts";
import { formatGoDuration } from "./go-duration.ts";
import { TokenBuckets } from "./token-buckets.ts";

// rateLimit: a token bucket per source (sourceCriterion; default the client
// address) refilling at average/period with room for `burst` requests.
// average 0 means no limit. Over the limit: 429 with Retry-After (whole
// seconds, rounded up) and X-Retry-In (Go duration), as Traefik answers.
// Buckets live per router, as in Traefik (one instance per router).

export interface RateLimitSettings {
  /** Tokens per second; 0 = no limit. */
  ratePerSecond: number;
  burst: number;
  /** Longest wait for a token before a request is refused instead (Traefik: half a token interval, 500 ms below 1/s). */
  maxDelayMs: number;
}

/** Traefik's arithmetic: rate = average / period, maxDelay = 1s / (2 * trunc(rate)) or 500 ms below 1/s. */
export function rateLimitSettings(average: number, periodMs: number, burst: number): RateLimitSettings {
  const ratePerSecond = average > 0 ? (average * 1000) / periodMs : 0;
  let maxDelayMs = 0;
  if (ratePerSecond > 0) {
    // Go divides nanoseconds as integers: keep that so the threshold matches.
    maxDelayMs = ratePerSecond < 1 ? 500 : Math.floor(1e9 / (Math.trunc(ratePerSecond) * 2)) / 1e6;
  }
  return { ratePerSecond, burst: Math.max(1, burst), maxDelayMs };
}

registerMiddleware("rateLimit", (options) => {
  const o = new OptionReader(options);
  const average = o.number("average", { integer: true }) ?? 0;
  const period = o.duration("period");
  const burst = o.number("burst", { integer: true }) ?? 1;
  const criterion = readSourceCriterion(o, "ipStrategy");
  o.finish();
  if (average < 0) o.warn("average", `a negative average (${average}) means no limit, as 0 does`);
  if (burst < 0) o.warn("burst", `a negative burst (${burst}) counts as 1`);
  if (o.hasErrors()) return { errors: o.problems };

  const settings = rateLimitSettings(average, period === undefined || period === 0 ? 1000 : period, burst);
  if (settings.ratePerSecond === 0) return { warnings: o.problems, middleware: (next) => next, raw: (next) => next };
  const newBuckets = () => new TokenBuckets(settings.ratePerSecond / 1000, settings.burst, settings.maxDelayMs);

  // Each form gets its own buckets per router; a router is served by one form
  // only on a given front (the raw form whenever its whole chain has one).
  return {
    warnings: o.problems,
    middleware: (next) => {
      const buckets = newBuckets();
      return (req, ctx, conn) => {
        const wait = buckets.take(criterion.extract(req, ctx, conn), performance.now());
        if (wait === 0) return next(req, ctx, conn);
        if (wait > 0) return Bun.sleep(wait).then(() => next(req, ctx, conn));
        return refusalResponse(ctx, tooManyRequests(-wait));
      };
    },
    raw: (next) => {
      const buckets = newBuckets();
      return (ex, ctx, conn, done) => {
        const wait = buckets.take(criterion.rawExtract(ex.head.headers, ctx, conn), performance.now());
        if (wait === 0) return next(ex, ctx, conn, done);
        if (wait > 0) return void setTimeout(() => resumeRaw(ex, ctx, done, () => next(ex, ctx, conn, done)), wait);
        refuseRaw(ex, ctx, tooManyRequests(-wait), done);
      };
    },
  };
});

/** 429 with Retry-After (whole seconds, rounded up) and X-Retry-In (Go duration), as Traefik answers. */
export function tooManyRequests(retryInMs: number): Refusal {
  return {
    status: 429,
    text: "Too Many Requests",
    why: "rate limit exceeded",
    headers: [
      ["retry-after", String(Math.ceil(retryInMs / 1000))],
      ["x-retry-in", formatGoDuration(retryInMs * 1e6)],
    ],
  };
}
