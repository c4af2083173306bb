// Test helper: one request through both forms of a middleware kind (the
// Request form in front of the echo backend, the raw form on a fake
// exchange), reduced to what a client and a backend can observe, so a test
// can check the two agree and what they give.
import type { ConnInfo, Middleware, RawMiddleware } from "../../server/handler.ts";
import type { HeaderList } from "../../server/raw/http1-head.ts";
import { splitRequestUrl } from "../../server/request-target.ts";
import { getHeader } from "../raw-view.ts";
import { runRaw } from "../raw-testing.ts";
import { echoed, run } from "../testing.ts";

/** The request headers a path middleware may add, as the backend reads them. */
const WATCHED = ["x-forwarded-prefix", "x-replaced-path"];

export interface Observed {
  status: number;
  /** Path and query that reached the backend; null when the middleware answered. */
  forwarded: string | null;
  /** Watched request headers the backend got (values joined by ", "). */
  headers: Record<string, string>;
  location: string | null;
  /** The answer's body when the middleware answered. */
  body: string | null;
  /** ctx.downstreamStatus set by the middleware's own answer (0 when forwarded). */
  ctxStatus: number;
  ctxError: string | undefined;
}

export interface ParityRequest {
  /** The request target as sent on the wire (latin1: one char per byte). */
  target: string;
  method?: string;
  host?: string;
  headers?: HeaderList;
  conn?: Partial<ConnInfo>;
}

/** The URL Bun.serve gives for `target`: bytes beyond ASCII escaped one by one. */
function serveUrl(host: string, target: string): string {
  return `http://${host}${target.replace(/[\u0080-\u00ff]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

export async function viaRequestForm(mw: Middleware, r: ParityRequest): Promise<Observed> {
  const host = r.host ?? "a.test";
  const headers = new Headers(r.headers ?? []);
  headers.set("host", host);
  // The raw front's ctx.path has dot segments cleaned; the bridge builds the URL from it.
  const req = new Request(serveUrl(host, splitRequestUrl(r.target).pathAndQuery), { method: r.method ?? "GET", headers });
  const { res, ctx } = await run(mw, req, { conn: r.conn });
  const e = await echoed(res);
  const base = { ctxStatus: ctx.downstreamStatus, ctxError: ctx.error };
  if (e) {
    const origin = new URL(e.url).origin;
    const seen = Object.fromEntries(WATCHED.filter((h) => e.headers[h] !== undefined).map((h) => [h, e.headers[h]]));
    return { status: res.status, forwarded: e.url.slice(origin.length), headers: seen, location: null, body: null, ...base };
  }
  return { status: res.status, forwarded: null, headers: {}, location: res.headers.get("location"), body: await res.text(), ...base };
}

export async function viaRawForm(mw: RawMiddleware, r: ParityRequest): Promise<Observed> {
  const host = r.host ?? "a.test";
  const path = splitRequestUrl(r.target).pathAndQuery;
  const run = await runRaw(mw, { method: r.method ?? "GET", path, host, headers: r.headers }, { conn: r.conn });
  await Bun.sleep(0); // a second `done` would show up here
  if (run.doneCalls !== 1) throw new Error(`done called ${run.doneCalls} times`);
  const base = { ctxStatus: run.ctx.downstreamStatus, ctxError: run.ctx.error };
  if (run.forwarded) {
    const seen: Record<string, string> = {};
    for (const h of WATCHED) {
      const v = getHeader(run.forwarded.headers, h);
      if (v !== null) seen[h] = v;
    }
    // ctxStatus: the recording backend's 200 is not the middleware's doing.
    return { status: 200, forwarded: run.forwarded.path, headers: seen, location: null, body: null, ...base, ctxStatus: 0 };
  }
  const res = run.ex.response!;
  return { status: res.status, forwarded: null, headers: {}, location: getHeader(res.headers, "location"), body: res.body, ...base };
}
