// Middlewares that change the request target hand a new Request downstream;
// method, headers and the (streaming) body carry over untouched.

/** `req` sent to another URL (same method, headers and body). */
export function withUrl(req: Request, url: string, headers: Headers = req.headers): Request {
  return new Request(url, { method: req.method, headers, body: req.body, redirect: "manual", duplex: "half" } as RequestInit);
}
