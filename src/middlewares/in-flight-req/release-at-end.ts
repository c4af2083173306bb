// A response whose body calls `release` once, when the body has been read to
// its end, failed, or was cancelled (the client went away). A request counts
// as in flight until then, not merely until its headers are ready: a slow
// download holds its slot as it does in Traefik, where ServeHTTP returns only
// after the body is written.

export function releaseAtEnd(res: Response, release: () => void): Response {
  const body = res.body;
  if (body === null) {
    release();
    return res;
  }
  const reader = body.getReader();
  const wrapped = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: Uint8Array | undefined;
        try {
          chunk = (await reader.read()).value;
        } catch (err) {
          release();
          controller.error(err);
          return;
        }
        if (chunk === undefined) {
          release();
          controller.close();
        } else {
          controller.enqueue(chunk);
        }
      },
      cancel(reason) {
        release();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(wrapped, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** A function that runs `fn` on its first call only. */
export function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
