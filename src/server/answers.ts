import type { RequestContext } from "./request-context.ts";

// Sluice's own answers. Short plain-text bodies, like Traefik's, and the
// reason recorded on the context so logs and metrics show it.

const TEXT = { "content-type": "text/plain; charset=utf-8" };

export function answer(ctx: RequestContext, status: number, body: string, reason: string): Response {
  ctx.error = reason;
  ctx.downstreamStatus = status;
  return new Response(body + "\n", { status, headers: TEXT });
}

export const notFound = (ctx: RequestContext) => answer(ctx, 404, "404 page not found", "no router matched");
export const badGateway = (ctx: RequestContext, why: string) => answer(ctx, 502, "Bad Gateway", why);
export const gatewayTimeout = (ctx: RequestContext, why: string) => answer(ctx, 504, "Gateway Timeout", why);
export const noHealthyServer = (ctx: RequestContext) =>
  answer(ctx, 503, "Service Unavailable", "no healthy server available");
export const badRequest = (ctx: RequestContext, why: string) => answer(ctx, 400, "Bad Request", why);
