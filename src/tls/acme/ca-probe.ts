// acme-client loses the cause of transport failures (facts: a bare
// "response.config" TypeError after its retries). Before each order, and to
// explain such an error, Sluice asks the directory itself and reports what failed.

import { parseRetryAfter } from "./http-setup.ts";

export interface ProbeFailure {
  problem: string;
  /** The CA's Retry-After, when it sent one. */
  retryAfterMs?: number;
}

/** undefined when the directory answers; otherwise a readable cause (TLS, refused, timeout, HTTP status). */
export async function probeDirectory(url: string, ca: string[] | undefined, timeoutMs = 10_000): Promise<ProbeFailure | undefined> {
  try {
    const resp = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      tls: ca?.length ? { ca } : undefined,
    });
    await resp.arrayBuffer().catch(() => undefined);
    if (resp.status < 400) return undefined;
    const ra = resp.headers.get("retry-after");
    const retryAfterMs = parseRetryAfter(ra);
    const what = resp.status === 429 ? "rate limited by the ACME server (HTTP 429" : `the ACME directory answered HTTP ${resp.status}`;
    const close = resp.status === 429 ? ")" : "";
    return { problem: `${what}${ra ? `${close ? ", " : " ("}Retry-After ${ra})` : close}`, retryAfterMs };
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.name === "TimeoutError") return { problem: `no answer from the ACME server within ${Math.round(timeoutMs / 1000)}s` };
    return { problem: `${e.code ? `${e.code}: ` : ""}${e.message}` };
  }
}

/** Whether an acme-client error is the one that hides a transport failure. */
export function isLostTransportError(err: unknown): boolean {
  return err instanceof TypeError && /response|config/.test(err.message);
}

/** A message for any error out of acme-client or the Cloudflare SDK, without secrets. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { status?: unknown }).status;
    return typeof status === "number" && !err.message.includes(String(status)) ? `${status} ${err.message}` : err.message;
  }
  return String(err);
}
