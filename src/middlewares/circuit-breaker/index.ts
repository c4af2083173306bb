import { answer } from "../../server/answers.ts";
import { tryCompilePredicate, type FunctionTable } from "../expression/index.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { CircuitBreaker } from "./breaker.ts";
import type { RollingMetrics } from "./rolling-metrics.ts";

// circuitBreaker: stops calling a backend whose recent outcomes match
// `expression` (see breaker.ts for the states). One breaker per router, as in
// Traefik: the state lives inside `(next) => ...`.

export const CIRCUIT_BREAKER_FUNCTIONS: FunctionTable<RollingMetrics> = {
  NetworkErrorRatio: { arity: 0, returns: "number", bind: () => (m) => m.networkErrorRatio() },
  ResponseCodeRatio: {
    arity: 4,
    returns: "number",
    check: ([from, to, divFrom, divTo]) => {
      if ([from, to, divFrom, divTo].some((n) => !Number.isInteger(n) || n! < 0)) return "status codes must be integers >= 0";
      if (from! >= to! || divFrom! >= divTo!) return "each range must be from < to (the end is excluded)";
      return undefined;
    },
    bind: ([from, to, divFrom, divTo]) => (m) => m.responseCodeRatio(from!, to!, divFrom!, divTo!),
  },
  LatencyAtQuantileMS: {
    arity: 1,
    returns: "number",
    check: ([q]) => (q! < 0 || q! > 100 ? "the quantile is a percentage between 0 and 100" : undefined),
    bind: ([q]) => (m) => m.latencyAtQuantileMs(q!),
  },
};

const DEFAULTS = { checkPeriodMs: 100, fallbackDurationMs: 10_000, recoveryDurationMs: 10_000, responseCode: 503 };

registerMiddleware("circuitBreaker", (options) => {
  const o = new OptionReader(options);
  const expression = o.string("expression", { required: true });
  const checkPeriodMs = o.duration("checkPeriod") ?? DEFAULTS.checkPeriodMs;
  const fallbackDurationMs = o.duration("fallbackDuration") ?? DEFAULTS.fallbackDurationMs;
  const recoveryDurationMs = o.duration("recoveryDuration") ?? DEFAULTS.recoveryDurationMs;
  const responseCode = o.number("responseCode", { integer: true, min: 100, max: 599 }) ?? DEFAULTS.responseCode;
  o.finish();
  const condition = expression === undefined ? undefined : tryCompilePredicate(expression, CIRCUIT_BREAKER_FUNCTIONS);
  if (typeof condition === "string") o.error("expression", `${condition} in ${JSON.stringify(expression)}`);
  if (o.hasErrors() || typeof condition !== "function") return { errors: o.problems };

  const reason = `blocked by circuit-breaker (${expression})`;
  const body = statusText(responseCode);
  return {
    warnings: o.problems,
    middleware: (next) => {
      const breaker = new CircuitBreaker({ condition, checkPeriodMs, fallbackDurationMs, recoveryDurationMs });
      return async (req, ctx, conn) => {
        if (!breaker.allow()) return answer(ctx, responseCode, body, reason);
        const started = performance.now();
        const res = await next(req, ctx, conn);
        // A network error is Sluice's own 502/504 with nothing from the backend.
        const networkError = ctx.originStatus === undefined && (res.status === 502 || res.status === 504);
        breaker.record(res.status, performance.now() - started, networkError);
        return res;
      };
    },
  };
});

function statusText(code: number): string {
  const texts: Record<number, string> = { 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };
  return texts[code] ?? String(code);
}
