// Waits until a TXT value is visible on the given DNS servers, asking each
// server directly (node:dns Resolver with setServers), bounded in time.
import { Resolver } from "node:dns/promises";

export interface PropagationOptions {
  servers: string[];
  timeoutMs: number;
  intervalMs: number;
  /** Aborts the wait (manager stopping). */
  signal?: AbortSignal;
}

/** Resolves when every server returns `value` among the TXT strings of `fqdn`; throws on timeout. */
export async function waitForTxt(fqdn: string, value: string, opts: PropagationOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const pending = new Set(opts.servers);
  let lastProblem = "";
  for (;;) {
    for (const server of [...pending]) {
      const r = new Resolver({ timeout: Math.min(5000, Math.max(500, opts.timeoutMs)), tries: 1 });
      r.setServers([server]);
      try {
        const records = await r.resolveTxt(fqdn);
        if (records.some((chunks) => chunks.join("") === value)) pending.delete(server);
        else lastProblem = `${server} does not return the value yet`;
      } catch (err) {
        lastProblem = `${server}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      }
    }
    if (pending.size === 0) return;
    if (opts.signal?.aborted) throw new Error("propagation check aborted");
    if (Date.now() + opts.intervalMs > deadline) {
      throw new Error(`TXT record ${fqdn} not visible after ${Math.round(opts.timeoutMs / 1000)}s (${lastProblem})`);
    }
    await Bun.sleep(opts.intervalMs);
  }
}
