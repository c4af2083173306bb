// The HTTP-01 answer an entrypoint gives ahead of every router: any path under
// /.well-known/acme-challenge/ is ACME's (as in Traefik); a known token gets its
// key authorization, an unknown one 404.
export const ACME_CHALLENGE_PREFIX = "/.well-known/acme-challenge/";

export function httpChallengeResponse(source: { httpChallenge(token: string): string | undefined }, pathname: string): Response | undefined {
  if (!pathname.startsWith(ACME_CHALLENGE_PREFIX)) return undefined;
  const token = pathname.slice(ACME_CHALLENGE_PREFIX.length);
  const key = token && !token.includes("/") ? source.httpChallenge(token) : undefined;
  if (key === undefined) return new Response("", { status: 404 });
  return new Response(key, { headers: { "content-type": "text/plain; charset=utf-8" } });
}
