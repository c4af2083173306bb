import { IpRangeList } from "../../net/ip-range.ts";
import { answer } from "../../server/answers.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware, type MiddlewareFactory } from "../registry.ts";
import { readIpStrategy } from "../source/ip-strategy.ts";
import { statusText } from "./status-text.ts";

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
  const text = statusText(status);
  if (text === undefined) o.error("rejectStatusCode", `expected an HTTP status code between 200 and 599, got ${status}`);
  if (o.hasErrors()) return { errors: o.problems };

  const body = NULL_BODY.has(status) ? null : `${text}`;
  return {
    warnings: o.problems,
    middleware: (next) => (req, ctx, conn) => {
      const ip = strategy.clientIp(req, conn);
      if (ip !== "" && list.contains(ip)) return next(req, ctx, conn);
      const why = `client IP ${ip === "" ? "(none)" : ip} is not in the allow list`;
      if (body === null) {
        ctx.error = why;
        ctx.downstreamStatus = status;
        return new Response(null, { status });
      }
      return answer(ctx, status, body, why);
    },
  };
};

registerMiddleware("ipAllowList", ipAllowList);
registerMiddleware("ipWhiteList", ipAllowList);
