// Helpers for middleware unit tests: build a kind from options, run a request
// through it in front of an echo handler, and read what reached the "backend".
import { IpRangeList } from "../net/ip-range.ts";
import type { ConnInfo, Handler, Middleware } from "../server/handler.ts";
import type { RequestContext } from "../server/request-context.ts";
import { middlewareFactory, type MiddlewareBuild, type MiddlewareBuildContext, type OptionProblem } from "./registry.ts";
import "./index.ts";

export function testConn(over: Partial<ConnInfo> = {}): ConnInfo {
  return {
    clientIp: "127.0.0.1",
    clientPort: 40000,
    entryPoint: "web",
    entryPointPort: 80,
    scheme: "http",
    trust: { insecure: false, trusted: IpRangeList.parse([]).list },
    ...over,
  };
}

export function testContext(req: Request, conn: ConnInfo = testConn()): RequestContext {
  const url = new URL(req.url);
  return {
    startMs: Date.now(),
    startHr: performance.now(),
    entryPoint: conn.entryPoint,
    clientAddr: `${conn.clientIp}:${conn.clientPort}`,
    clientHost: conn.clientIp,
    clientPort: conn.clientPort,
    method: req.method,
    host: req.headers.get("host") ?? url.host,
    path: url.pathname + url.search,
    protocol: "HTTP/1.1",
    scheme: conn.scheme,
    requestContentSize: 0,
    downstreamStatus: 0,
    downstreamContentSize: 0,
    retryAttempts: 0,
    requestHeaders: req.headers,
  };
}

/** What the echo backend saw, as JSON in its response body. */
export interface Echoed {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A backend that answers 200 with what it received. */
export const echoHandler: Handler = async (req) => {
  const echoed: Echoed = {
    method: req.method,
    url: req.url,
    headers: Object.fromEntries(req.headers),
    body: req.body ? await req.text() : "",
  };
  return Response.json(echoed, { headers: { "x-backend": "echo" } });
};

export type BuildResult = { middleware?: Middleware; problems: OptionProblem[] };

/** Runs `kind`'s factory in a test build context; `ctx` overrides it (services, other middlewares). */
export function buildWithTestContext(kind: string, options: Record<string, unknown>, ctx: Partial<MiddlewareBuildContext> = {}): MiddlewareBuild {
  const factory = middlewareFactory(kind);
  if (!factory) throw new Error(`middleware kind ${kind} is not registered`);
  return factory(options, {
    name: "test@file",
    provider: "file",
    middleware: (ref) => `middleware "${ref}" does not exist`,
    service: () => undefined,
    ...ctx,
  });
}

/** Builds `kind` with `options`; `ctx` overrides the build context (services, other middlewares). */
export function buildKind(kind: string, options: Record<string, unknown>, ctx: Partial<MiddlewareBuildContext> = {}): BuildResult {
  const result = buildWithTestContext(kind, options, ctx);
  if ("errors" in result) return { problems: result.errors };
  return { middleware: result.middleware, problems: result.warnings ?? [] };
}

/** Builds `kind` and throws when its options have errors. */
export function mustBuild(kind: string, options: Record<string, unknown>, ctx: Partial<MiddlewareBuildContext> = {}): Middleware {
  const { middleware, problems } = buildKind(kind, options, ctx);
  if (!middleware) throw new Error(`${kind}: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
  return middleware;
}

/** Runs one request through `mw` in front of `next` (the echo backend by default). */
export async function run(
  mw: Middleware,
  req: Request | string,
  opts: { conn?: Partial<ConnInfo>; next?: Handler } = {},
): Promise<{ res: Response; ctx: RequestContext }> {
  const request = typeof req === "string" ? new Request(req) : req;
  const conn = testConn(opts.conn);
  const ctx = testContext(request, conn);
  const res = await mw(opts.next ?? echoHandler)(request, ctx, conn);
  return { res, ctx };
}

/** The echoed request, or null when the middleware answered itself. */
export async function echoed(res: Response): Promise<Echoed | null> {
  if (res.headers.get("x-backend") !== "echo") return null;
  return (await res.json()) as Echoed;
}
