import type { RawExchange } from "../../server/raw/connection.ts";
import type { HeaderList } from "../../server/raw/http1-head.ts";
import type { RequestContext } from "../../server/request-context.ts";
import { answerRaw } from "../raw-view.ts";
import { statusText } from "./status-text.ts";

// The refusals of ipAllowList, rateLimit and inFlightReq (403, 429...): a
// short plain-text body as Traefik writes it, the reason on ctx.error for the
// logs. One description, two writers, so the Request form and the raw form
// answer byte for byte alike (the raw one also writes Go's reason phrase).

const CONTENT_TYPE = "text/plain; charset=utf-8";

export interface Refusal {
  status: number;
  /** The body without its trailing newline; null for no body (204, 205, 304). */
  text: string | null;
  /** For ctx.error (logs), not sent. */
  why: string;
  /** Extra response fields (Retry-After...). */
  headers?: HeaderList;
}

/** The Request form's answer. */
export function refusalResponse(ctx: RequestContext, r: Refusal): Response {
  ctx.error = r.why;
  ctx.downstreamStatus = r.status;
  const headers = r.headers ?? [];
  if (r.text === null) return new Response(null, { status: r.status, headers });
  return new Response(`${r.text}\n`, { status: r.status, headers: [["content-type", CONTENT_TYPE], ...headers] });
}

/** The raw form's answer: written on the exchange, then `done`. */
export function refuseRaw(ex: RawExchange, ctx: RequestContext, r: Refusal, done: () => void): void {
  ctx.error = r.why;
  const reason = statusText(r.status) ?? "";
  // A fresh list each time: onResponseHead hooks of outer middlewares mutate it.
  const headers: HeaderList = r.headers ? r.headers.map(([k, v]) => [k, v]) : [];
  if (r.text !== null) {
    headers.unshift(["content-type", CONTENT_TYPE]);
    return answerRaw(ex, ctx, r.status, reason, headers, `${r.text}\n`, done);
  }
  ctx.downstreamStatus = r.status;
  ctx.downstreamContentSize = 0;
  // 304 must not announce a length (it would be the resource's); the others have none.
  ex.writeHead(r.status, reason, headers, r.status === 304 ? {} : { contentLength: 0 });
  ex.end();
  done();
}
