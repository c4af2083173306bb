import type { Handler } from "../server/handler.ts";

/** GET/HEAD /ping: 200 "OK", or the terminating status while shutting down (Traefik's ping). */
export function pingHandler(isTerminating: () => boolean, terminatingStatusCode: number): Handler {
  return (req, ctx) => {
    const status = isTerminating() ? terminatingStatusCode : 200;
    ctx.downstreamStatus = status;
    if (req.method !== "GET" && req.method !== "HEAD") {
      ctx.downstreamStatus = 405;
      return new Response("Method Not Allowed\n", { status: 405 });
    }
    const body = status === 200 ? "OK" : "Service Unavailable";
    return new Response(req.method === "HEAD" ? null : body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
  };
}
