import { IpRangeList } from "../../net/ip-range.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware, type MiddlewareFactory } from "../registry.ts";
import { readIpStrategy } from "../source/ip-strategy.ts";
import { refusalResponse, refuseRaw, type Refusal } from "../source/refusal.ts";
import { statusText } from "../source/status-text.ts";

// ipAllowList (v3) and ipWhiteList (its v2 name, deprecated in v3): lets a
// request through only when the client address, chosen by ipStrategy, is in
// sourceRange. Others get rejectStatusCode (v3; default 403 Forbidden) with
// the status text as body, as Traefik writes it.

const NULL_BODY = new Set([204, 205, 304]);

const ipAllowList: MiddlewareFactory = (options) => {
  const o = new OptionReader(options);
  const ranges = o.stringList("sourceRange", { required: true });
  const strategy = readIpStrategy(o.section("ipStrategy"));
  const code = o.number("rejectStatusCode", { integer: true });
  o.finish();

  if (o.has("sourceRange") && ranges.length === 0 && !o.hasErrors()) o.error("sourceRange", "is empty: list at least one IP or CIDR range");
  const { list, invalid } = IpRangeList.parse(ranges);
  for (const bad of invalid) {
    o.error(`sourceRange[${ranges.indexOf(bad)}]`, `invalid IP or CIDR range ${JSON.stringify(bad)}`);
  }
  // 0 is Go's "unset": the default applies.
  const status = code === undefined || code === 0 ? 403 : code;
  const reason = statusText(status);
  if (reason === undefined) o.error("rejectStatusCode", `expected an HTTP status code between 200 and 599, got ${status}`);
  if (o.hasErrors()) return { errors: o.problems };

  const text = NULL_BODY.has(status) ? null : `${reason}`;
  /** Null when `ip` may pass, else the answer (the same for both forms). */
  const refusalFor = (ip: string): Refusal | null =>
    ip !== "" && list.contains(ip) ? null : { status, text, why: `client IP ${ip === "" ? "(none)" : ip} is not in the allow list` };
  return {
    warnings: o.problems,
    middleware: (next) => (req, ctx, conn) => {
      const refusal = refusalFor(strategy.clientIp(req, conn));
      return refusal === null ? next(req, ctx, conn) : refusalResponse(ctx, refusal);
    },
    raw: (next) => (ex, ctx, conn, done) => {
      const refusal = refusalFor(strategy.rawClientIp(ex.head.headers, conn));
      if (refusal === null) next(ex, ctx, conn, done);
      else refuseRaw(ex, ctx, refusal, done);
    },
  };
};

registerMiddleware("ipAllowList", ipAllowList);
registerMiddleware("ipWhiteList", ipAllowList);
