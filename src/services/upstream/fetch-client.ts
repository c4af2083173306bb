// UpstreamClient on Bun's fetch: simple and robust, about half the throughput
// of the pooled socket client (fetch runs on a separate HTTP thread).
// Bun's defaults are wrong for a proxy, hence decompress/redirect/proxy below.
import { UpstreamError, type UpstreamClient, type UpstreamErrorKind, type UpstreamRequest } from "./types.ts";

export class FetchUpstreamClient implements UpstreamClient {
  async request(req: UpstreamRequest): Promise<Response> {
    if (req.signal?.aborted) throw new UpstreamError("aborted", "client aborted the request");
    const headerMs = req.timeouts.responseHeaderTimeoutMs;
    // Without a header deadline the client's own signal is passed straight
    // through: an AbortController per request cost ~12% of throughput.
    const ctrl = headerMs > 0 ? new AbortController() : null;
    let timedOut: UpstreamError | null = null;
    let bodySent = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    // fetch does not expose the connect phase, so a dial timeout cannot be
    // told apart from a slow backend (a long poll): it is not enforced here,
    // and the header deadline counts from the start (or from the body's end).
    const armHeaderTimer = () => {
      if (!ctrl || timer) return;
      timer = setTimeout(() => {
        timedOut = new UpstreamError("header-timeout", `no response head within ${headerMs}ms`, bodySent);
        ctrl.abort(timedOut);
      }, headerMs);
    };
    let body: ReadableStream<Uint8Array> | null = req.body;
    if (body) {
      // As Go's ResponseHeaderTimeout: the deadline starts once the body is
      // fully sent; watch the stream to know when that is.
      body = body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, c) {
            bodySent = true;
            c.enqueue(chunk);
          },
          flush() {
            armHeaderTimer();
          },
        }),
      );
    } else {
      armHeaderTimer();
    }

    const onAbort = ctrl ? () => ctrl.abort(req.signal?.reason) : null;
    if (onAbort) req.signal?.addEventListener("abort", onAbort, { once: true });
    const t = req.tls;
    try {
      return await fetch(`${req.target.origin}${req.pathAndQuery || "/"}`, {
        method: req.method,
        headers: req.headers,
        body,
        duplex: "half",
        redirect: "manual",
        decompress: false,
        proxy: false,
        // Traefik has no upstream idle timeout; Bun's fetch would cut at 5 min.
        timeout: false,
        signal: ctrl ? ctrl.signal : req.signal,
        tls:
          req.target.protocol === "https:"
            ? { serverName: t?.serverName || undefined, rejectUnauthorized: !t?.insecureSkipVerify, ca: t?.ca, ...(t?.cert ? { cert: t.cert, key: t.key } : {}) }
            : undefined,
      });
    } catch (err) {
      if (onAbort) req.signal?.removeEventListener("abort", onAbort);
      if (timedOut) throw timedOut;
      if (req.signal?.aborted) throw new UpstreamError("aborted", "client aborted the request", bodySent);
      throw mapFetchError(err, bodySent);
    } finally {
      // The abort listener stays: a client abort must also stop the body download.
      if (timer) clearTimeout(timer);
    }
  }

  close(): void {
    // fetch's keep-alive pool is process-wide; nothing of ours to release.
  }
}

export function mapFetchError(err: unknown, bodySent: boolean): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const e = err as { code?: string; name?: string; message?: string };
  const code = e?.code ?? e?.name ?? "";
  const message = `${code ? `${code}: ` : ""}${e?.message ?? String(err)}`;
  let kind: UpstreamErrorKind = "protocol";
  if (/refused|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_|DNS|CERT|TLS|SSL|UNABLE_TO|SELF_SIGNED/i.test(code)) kind = "refused";
  else if (/ConnectionClosed|ECONNRESET|reset|EPIPE|socket/i.test(code) || /socket connection was closed/i.test(message)) kind = "reset";
  else if (/timeout|ETIMEDOUT/i.test(code)) kind = "dial-timeout";
  else if (/abort/i.test(code)) kind = "aborted";
  return new UpstreamError(kind, message, bodySent);
}
