import type { RawExchange } from "./connection.ts";
import { statusText } from "../../middlewares/source/status-text.ts";

// The raw front's slow path: routes whose middlewares (or internal handlers)
// work on a Request get one, and their Response is written back to the
// exchange with backpressure. The fast path (raw-forward) avoids both.

/** A Request whose body streams from the exchange, pausing the client when unread. */
export function requestFromExchange(ex: RawExchange, url: string): Request {
  const headers = new Headers();
  for (const [k, v] of ex.head.headers) headers.append(k, v);
  // The client going away fails the body and aborts req.signal, so whoever is
  // reading (an upstream fetch, a buffering middleware) stops and cleans up.
  const abort = new AbortController();
  let failBody: ((reason: string) => void) | null = null;
  const previous = ex.onAbort;
  ex.onAbort = (reason) => {
    failBody?.(reason);
    abort.abort(new Error(reason));
    previous?.(reason);
  };
  let body: ReadableStream<Uint8Array> | null = null;
  if (ex.head.body !== "none") {
    body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          failBody = (reason) => {
            try {
              controller.error(new Error(reason));
            } catch {
              // already closed: the body was read whole
            }
          };
          ex.readBody(
            (chunk) => {
              controller.enqueue(chunk);
              if ((controller.desiredSize ?? 0) <= 0) ex.pauseBody();
            },
            () => controller.close(),
          );
        },
        pull() {
          ex.resumeBody();
        },
      },
      { highWaterMark: 4 },
    );
  }
  return new Request(url, { method: ex.head.method, headers, body, duplex: "half", signal: abort.signal } as RequestInit);
}

/** Writes `res` to the exchange; resolves with the body bytes sent. */
export async function writeResponse(ex: RawExchange, res: Response): Promise<number> {
  const headers: [string, string][] = [];
  for (const [k, v] of res.headers) if (k !== "set-cookie") headers.push([k, v]);
  for (const c of res.headers.getSetCookie()) headers.push(["set-cookie", c]);
  const length = res.headers.get("content-length");
  // A Response made in code usually has no statusText: the status line still wants its reason phrase.
  ex.writeHead(res.status, res.statusText || statusText(res.status) || "", headers, length !== null ? { contentLength: Number(length) } : {});
  if (!res.body) {
    ex.end();
    return 0;
  }
  let sent = 0;
  const reader = res.body.getReader();
  const previous = ex.onAbort;
  ex.onAbort = (reason) => {
    previous?.(reason);
    void reader.cancel().catch(() => {});
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (ex.aborted) {
      await reader.cancel().catch(() => {});
      return sent;
    }
    sent += value.byteLength;
    if (!ex.write(value)) await new Promise<void>((resolve) => (ex.onDrain = resolve));
  }
  ex.end();
  return sent;
}
