// Ports and readiness checks for the processes under test.

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/**
 * Polls `url` until it answers with `status` (a router with 10,000 siblings may
 * take a while to compile), or throws after `timeoutMs`.
 */
export async function waitForHttp(
  url: string,
  opts: { status?: number; headers?: Record<string, string>; timeoutMs?: number; isAlive?: () => boolean; caPem?: string } = {},
): Promise<void> {
  const { status = 200, headers, timeoutMs = 30_000, isAlive, caPem } = opts;
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (isAlive && !isAlive()) throw new Error(`process behind ${url} exited (${last})`);
    try {
      // HTTPS: verified against the bench CA, so a wrong certificate (name or chain) fails here.
      const tls = caPem ? { tls: { ca: caPem } } : {};
      const res = await fetch(url, { headers, proxy: false, redirect: "manual", signal: AbortSignal.timeout(2000), ...tls });
      await res.arrayBuffer();
      if (res.status === status) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await Bun.sleep(100);
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (${last})`);
}
