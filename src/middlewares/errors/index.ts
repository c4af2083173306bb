import type { ConnInfo, Handler } from "../../server/handler.ts";
import type { RequestContext } from "../../server/request-context.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { readCaughtStatuses, readStatusRewrites } from "./status-codes.ts";

// errors: when the response status is one of `status`, the page comes from
// `service` instead. As in Traefik: the error service gets a GET on `query`
// (placeholders filled in) with the client's headers, its body and headers are
// answered with the ORIGINAL status (or the v3 `statusRewrites` one), and the
// original body is dropped. Sluice's own 502/504 (backend unreachable) are
// caught too, as Traefik's are. Responses with other statuses pass untouched.

registerMiddleware("errors", (options, build) => {
  const o = new OptionReader(options);
  const caught = readCaughtStatuses(o, "status");
  const rewrites = readStatusRewrites(o, "statusRewrites");
  const serviceName = o.string("service", { required: true });
  const query = o.string("query") ?? "";
  o.finish();
  let service: Handler | undefined;
  if (serviceName !== undefined) {
    service = build.service(serviceName);
    if (!service) o.error("service", `service "${serviceName}" does not exist`);
  }
  if (o.hasErrors() || !service) return { errors: o.problems };
  if (!caught.includes(1)) o.warn("status", "lists no status code: no error page will ever be served");
  const errorService = service;

  // Traefik: "/" + query without its leading "/"; no query means "/".
  const target = query === "" ? "/" : `/${query.replace(/^\/+/, "")}`;
  const hasPlaceholders = target.includes("{");

  const errorPage = async (req: Request, ctx: RequestContext, conn: ConnInfo, original: Response): Promise<Response> => {
    void original.body?.cancel().catch(() => {});
    const code = original.status;
    const status = rewrites?.[code] || code;
    const originAndPath = splitUrl(req.url);
    const path = hasPlaceholders ? fill(target, status, code, originAndPath[1]) : target;
    const headers = new Headers(req.headers);
    // The page request has no body: the client's framing headers do not apply.
    headers.delete("content-length");
    headers.delete("transfer-encoding");
    const pageReq = new Request(originAndPath[0] + path, { method: "GET", headers, signal: req.signal });
    // A context of its own: the access log keeps the client's path and the first backend's answer.
    const pageCtx: RequestContext = { ...ctx, method: "GET", path, originStatus: undefined, streamedResponse: undefined };
    let page: Response;
    try {
      page = await errorService(pageReq, pageCtx, conn);
    } catch (err) {
      ctx.error = `error page service failed: ${(err as Error)?.message ?? err}`;
      return new Response(`${status}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
    }
    // The body now differs from the one the backend announced: count what is sent.
    ctx.streamedResponse = true;
    const statusText = status === code ? original.statusText : "";
    if (req.method === "HEAD") {
      void page.body?.cancel().catch(() => {});
      return new Response(null, { status, statusText, headers: page.headers });
    }
    return new Response(page.body, { status, statusText, headers: page.headers });
  };

  return {
    warnings: o.problems,
    middleware: (next): Handler => (req, ctx, conn) => {
      const out = next(req, ctx, conn);
      if (out instanceof Promise) return out.then((res) => (res && caught[res.status] === 1 ? errorPage(req, ctx, conn, res) : res));
      return out && caught[out.status] === 1 ? errorPage(req, ctx, conn, out) : out;
    },
  };
});

function fill(target: string, status: number, original: number, pathAndQuery: string): string {
  return target
    .replaceAll("{status}", String(status))
    .replaceAll("{originalStatus}", String(original))
    .replaceAll("{url}", queryEscape(pathAndQuery));
}

/** [origin, path and query] of an absolute URL. */
function splitUrl(url: string): [string, string] {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash < 0 ? [url, "/"] : [url.slice(0, slash), url.slice(slash)];
}

/** Go's url.QueryEscape: only letters, digits and -_.~ stay; space becomes "+". */
export function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]|%20/g, (c) => (c === "%20" ? "+" : `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
}
