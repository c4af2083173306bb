import type { ConnInfo } from "../../server/handler.ts";
import type { RequestContext } from "../../server/request-context.ts";
import type { OptionReader } from "../options.ts";
import type { HeaderList } from "../../server/raw/http1-head.ts";
import { readHeaderList, readIpStrategy, readRequestHeader, remoteAddrStrategy, type HeaderRead, type IpStrategy } from "./ip-strategy.ts";

// Traefik's sourceCriterion: what groups requests into one "source" for
// rateLimit and inFlightReq. Exactly one of ipStrategy, requestHeaderName and
// requestHost may be set (Traefik refuses two); with none, each kind has its
// own default: the peer address for rateLimit, the request host for
// inFlightReq.

/** The source key of a request. A missing header or address groups under "", as in Traefik. */
export type SourceExtractor = (req: Request, ctx: RequestContext, conn: ConnInfo) => string;

export interface SourceCriterion {
  /** "ipStrategy", "requestHeaderName" or "requestHost": which criterion is in force. */
  readonly kind: "ipStrategy" | "requestHeaderName" | "requestHost";
  /** The key over any header shape; the two forms below are this with their reader. */
  keyOf<H>(headers: H, read: HeaderRead<H>, ctx: RequestContext, conn: ConnInfo): string;
  /** For the Request form. */
  readonly extract: SourceExtractor;
  /** For the raw form: reads the request head's field list. */
  rawExtract(headers: HeaderList, ctx: RequestContext, conn: ConnInfo): string;
}

function criterion(
  kind: SourceCriterion["kind"],
  keyOf: <H>(headers: H, read: HeaderRead<H>, ctx: RequestContext, conn: ConnInfo) => string,
): SourceCriterion {
  return {
    kind,
    keyOf,
    extract: (req, ctx, conn) => keyOf(req, readRequestHeader, ctx, conn),
    rawExtract: (headers, ctx, conn) => keyOf(headers, readHeaderList, ctx, conn),
  };
}

export type DefaultCriterion = "ipStrategy" | "requestHost";

/** Reads `sourceCriterion` from the kind's options; problems land in `o` under `sourceCriterion.*`. */
export function readSourceCriterion(o: OptionReader, fallback: DefaultCriterion): SourceCriterion {
  const s = o.section("sourceCriterion");
  const hasIpStrategy = s.has("ipStrategy");
  const strategy = hasIpStrategy ? readIpStrategy(s.section("ipStrategy")) : undefined;
  const headerName = s.string("requestHeaderName")?.trim() ?? "";
  const requestHost = s.bool("requestHost");
  s.finish();

  const chosen = [hasIpStrategy && "ipStrategy", headerName !== "" && "requestHeaderName", requestHost && "requestHost"].filter(
    (x): x is string => typeof x === "string",
  );
  if (chosen.length > 1) {
    o.error("sourceCriterion", `${chosen.join(" and ")} are mutually exclusive: set only one`);
  }
  if (strategy) return ipCriterion(strategy);
  if (headerName !== "") return headerCriterion(headerName);
  if (requestHost) return hostCriterion;
  return fallback === "ipStrategy" ? ipCriterion(remoteAddrStrategy) : hostCriterion;
}

export function ipCriterion(strategy: IpStrategy): SourceCriterion {
  return criterion("ipStrategy", (headers, read, _ctx, conn) => strategy.clientIpOf(headers, read, conn));
}

export function headerCriterion(name: string): SourceCriterion {
  return criterion("requestHeaderName", (headers, read) => read(headers, name) ?? "");
}

/** The Host as sent, port included (Go's req.Host). */
export const hostCriterion: SourceCriterion = criterion("requestHost", (headers, read, ctx) => read(headers, "host") ?? ctx.host);
