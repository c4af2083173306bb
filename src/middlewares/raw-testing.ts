// Helpers for unit tests of a middleware's raw form (RawMiddleware): a fake
// RawExchange that records what is written, a context shaped like the raw
// front's, and a runner that resolves when `done` is called.
import { fieldList, type HeaderList, type RequestHead } from "../server/raw/http1-head.ts";
import type { RawExchange, RawTunnelSocket } from "../server/raw/connection.ts";
import type { ConnInfo, Middleware, RawMiddleware, RawRouteHandler } from "../server/handler.ts";
import type { RequestContext } from "../server/request-context.ts";
import type { MiddlewareBuildContext } from "./registry.ts";
import { answerRaw } from "./raw-view.ts";
import { buildWithTestContext, echoed, mustBuild, run, testConn } from "./testing.ts";

export interface RecordedResponse {
  status: number;
  reason: string;
  /** After every onResponseHead hook ran. */
  headers: HeaderList;
  body: string;
}

export interface FakeExchange extends RawExchange {
  /** What was written, once writeHead was called. */
  readonly response: RecordedResponse | null;
  readonly ended: boolean;
  /** Marks the client as gone (as the real exchange does on a closed socket). */
  abort(reason: string): void;
}

export interface ExchangeInit {
  method?: string;
  /** Path and query as sent. */
  path?: string;
  /** The Host header; omitted from the list when null. */
  host?: string | null;
  headers?: HeaderList;
  remoteAddress?: string;
}

export function fakeExchange(init: ExchangeInit = {}): FakeExchange {
  const host = init.host === undefined ? "a.test" : init.host;
  const headers: HeaderList = [...(host === null ? [] : [["Host", host] as [string, string]]), ...(init.headers ?? []).map(([k, v]) => [k, v] as [string, string])];
  const head: RequestHead = {
    method: init.method ?? "GET",
    target: init.path ?? "/",
    targetForm: "origin",
    path: init.path ?? "/",
    host: host ?? "",
    scheme: null,
    version: "1.1",
    headers,
    body: "none",
    contentLength: 0,
    keepAlive: true,
    expectContinue: false,
    connection: [],
    upgrade: null,
  };
  let hooks: ((status: number, headers: HeaderList) => void)[] = [];
  let response: RecordedResponse | null = null;
  let ended = false;
  let aborted = false;
  const chunks: Uint8Array[] = [];
  const ex: FakeExchange = {
    head,
    remoteAddress: init.remoteAddress ?? "127.0.0.1",
    get response() {
      return response;
    },
    get ended() {
      return ended;
    },
    get aborted() {
      return aborted;
    },
    onDrain: null,
    onAbort: null,
    readBody: (_chunk, onEnd) => onEnd(null),
    pauseBody: () => {},
    resumeBody: () => {},
    onResponseHead: (hook) => void hooks.push(hook),
    writeHead(status, reason, fields) {
      if (response) throw new Error("response head already written");
      const list = fieldList(fields);
      const run = hooks;
      hooks = [];
      for (let i = run.length - 1; i >= 0; i--) run[i](status, list);
      response = { status, reason, headers: list.map(([k, v]) => [k, v] as [string, string]), body: "" };
    },
    write(chunk) {
      if (!response) throw new Error("write before writeHead");
      chunks.push(chunk);
      return true;
    },
    end(chunk) {
      if (ended) throw new Error("end called twice");
      if (!response) ex.writeHead(200, "OK", [], { contentLength: chunk?.length ?? 0 });
      if (chunk) chunks.push(chunk);
      ended = true;
      response!.body = Buffer.concat(chunks).toString("utf8");
    },
    abort(reason) {
      if (aborted || ended) return;
      aborted = true;
      ex.onAbort?.(reason);
    },
    destroy() {
      aborted = true;
    },
    takeOver(): RawTunnelSocket {
      throw new Error("takeOver is not supported by the fake exchange");
    },
  };
  return ex;
}

/** A context as the raw front builds it (requestHeaders only on demand). */
export function rawTestContext(ex: RawExchange, conn: ConnInfo): RequestContext {
  return {
    startMs: Date.now(),
    startHr: performance.now(),
    entryPoint: conn.entryPoint,
    clientAddr: ex.remoteAddress,
    clientHost: ex.remoteAddress,
    clientPort: 0,
    method: ex.head.method,
    host: ex.head.host,
    path: ex.head.path,
    protocol: "HTTP/1.1",
    scheme: conn.scheme,
    requestContentSize: 0,
    downstreamStatus: 0,
    downstreamContentSize: 0,
    retryAttempts: 0,
    get requestHeaders(): Headers {
      return new Headers(ex.head.headers);
    },
  };
}

/** Builds `kind` and returns its raw form; throws on option errors or when it has none. */
export function mustBuildRaw(kind: string, options: Record<string, unknown>, ctx: Partial<MiddlewareBuildContext> = {}): RawMiddleware {
  const result = buildWithTestContext(kind, options, ctx);
  if ("errors" in result) throw new Error(`${kind}: ${result.errors.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
  if (!result.raw) throw new Error(`${kind} has no raw form`);
  return result.raw;
}

/** What reached the default next handler (the "backend"), or null when the middleware answered. */
export interface RawForwarded {
  /** The header list as it would be forwarded (a copy). */
  headers: HeaderList;
  /** ctx.forwardPath ?? ctx.path. */
  path: string;
}

export interface RawRun {
  ex: FakeExchange;
  ctx: RequestContext;
  forwarded: RawForwarded | null;
  /** How many times `done` was called so far (must end at 1). */
  doneCalls: number;
}

/** A next handler that records what it got and answers 200 "forwarded". */
export function recordingNext(into: { forwarded: RawForwarded | null }): RawRouteHandler {
  return (ex, ctx, _conn, done) => {
    into.forwarded = { headers: ex.head.headers.map(([k, v]) => [k, v] as [string, string]), path: ctx.forwardPath ?? ctx.path };
    answerRaw(ex, ctx, 200, "OK", [["content-type", "text/plain"]], "forwarded", done);
  };
}

/**
 * Runs one exchange through `mw` in front of `next` (recordingNext by
 * default); resolves when `done` is called, rejects after `timeoutMs`.
 */
export function runRaw(
  mw: RawMiddleware,
  init: ExchangeInit | FakeExchange = {},
  opts: { conn?: Partial<ConnInfo>; next?: RawRouteHandler; timeoutMs?: number } = {},
): Promise<RawRun> {
  const ex = "writeHead" in init ? init : fakeExchange(init);
  const conn = testConn({ clientIp: ex.remoteAddress, clientPort: 0, ...opts.conn });
  const ctx = rawTestContext(ex, conn);
  const run: RawRun = { ex, ctx, forwarded: null, doneCalls: 0 };
  return new Promise<RawRun>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("done was not called in time")), opts.timeoutMs ?? 5000);
    const done = () => {
      run.doneCalls++;
      clearTimeout(timer);
      resolve(run);
    };
    try {
      mw(opts.next ?? recordingNext(run))(ex, ctx, conn, done);
    } catch (err) {
      clearTimeout(timer);
      reject(err);
    }
  });
}

/** Builds `kind` and returns both forms; throws on option errors or when it has no raw form. */
export function mustBuildBoth(kind: string, options: Record<string, unknown>, ctx: Partial<MiddlewareBuildContext> = {}): { middleware: Middleware; raw: RawMiddleware } {
  return { middleware: mustBuild(kind, options, ctx), raw: mustBuildRaw(kind, options, ctx) };
}

/** What one form did with a request, in a shape both forms can be compared in. */
export interface FormOutcome {
  /** The middleware's own answer (header names lower-cased, values joined by ", "). */
  answered: { status: number; body: string; headers: Record<string, string> } | null;
  /** What reached the backend. */
  forwarded: { path: string; headers: Record<string, string> } | null;
  clientUsername?: string;
  error?: string;
}

export interface FormRequest {
  method?: string;
  /** Path and query. */
  path?: string;
  host?: string;
  headers?: HeaderList;
  conn?: Partial<ConnInfo>;
}

function fieldRecord(list: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of list) {
    const name = k.toLowerCase();
    out[name] = name in out ? `${out[name]}, ${v}` : v;
  }
  return out;
}

/** Runs the same request through the Request form (echo backend) and the raw form (recording backend). */
export async function bothForms(mw: { middleware: Middleware; raw: RawMiddleware }, r: FormRequest = {}): Promise<{ request: FormOutcome; raw: FormOutcome }> {
  const host = r.host ?? "a.test";
  const path = r.path ?? "/";
  const headers = new Headers([["host", host], ...(r.headers ?? [])]);
  const { res, ctx } = await run(mw.middleware, new Request(`http://${host}${path}`, { method: r.method ?? "GET", headers }), { conn: r.conn });
  const echo = await echoed(res);
  const request: FormOutcome = {
    answered: echo ? null : { status: res.status, body: await res.text(), headers: fieldRecord(res.headers) },
    forwarded: echo ? { path: new URL(echo.url).pathname + new URL(echo.url).search, headers: fieldRecord(Object.entries(echo.headers)) } : null,
    clientUsername: ctx.clientUsername,
    error: ctx.error,
  };
  const run2 = await runRaw(mw.raw, { method: r.method, path, host, headers: r.headers, remoteAddress: r.conn?.clientIp }, { conn: r.conn });
  const written = run2.ex.response;
  const raw: FormOutcome = {
    answered: run2.forwarded || !written ? null : { status: written.status, body: written.body, headers: fieldRecord(written.headers) },
    forwarded: run2.forwarded ? { path: run2.forwarded.path, headers: fieldRecord(run2.forwarded.headers) } : null,
    clientUsername: run2.ctx.clientUsername,
    error: run2.ctx.error,
  };
  return { request, raw };
}
