// Middlewares that change the request target hand a new Request downstream;
// method, headers and the (streaming) body carry over untouched.

/** `req` with its path (and query) replaced. `path` is used as given (already encoded). */
export function withPath(req: Request, path: string, search?: string): Request {
  const url = new URL(req.url);
  const target = `${url.origin}${path.startsWith("/") ? path : `/${path}`}${search ?? url.search}`;
  return withUrl(req, target);
}

/** `req` sent to another URL (same method, headers and body). */
export function withUrl(req: Request, url: string, headers: Headers = req.headers): Request {
  return new Request(url, { method: req.method, headers, body: req.body, redirect: "manual", duplex: "half" } as RequestInit);
}
