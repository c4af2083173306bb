import type { EntryPointConfig } from "../config/static/types.ts";

/** What shutdown needs of a listener (Bun.serve or raw front). */
export interface Listener {
  readonly name: string;
  readonly config: EntryPointConfig;
  readonly inFlight: number;
  stop(force?: boolean): Promise<void>;
}

// Traefik's shutdown: on SIGTERM keep accepting for requestAcceptGraceTimeout
// (ping answers 503 so an outer balancer drains us), then stop accepting and
// let in-flight requests finish within graceTimeOut, then close what is left.

export async function gracefulStop(entryPoints: Listener[], log: (msg: string) => void): Promise<void> {
  const acceptGrace = Math.max(0, ...entryPoints.map((e) => e.config.transport.lifeCycle.requestAcceptGraceTimeoutMs));
  if (acceptGrace > 0) {
    log(`still accepting requests for ${acceptGrace} ms (requestAcceptGraceTimeout)`);
    await Bun.sleep(acceptGrace);
  }
  await Promise.all(
    entryPoints.map(async (ep) => {
      const grace = ep.config.transport.lifeCycle.graceTimeOutMs;
      const drained = ep.stop(false).then(() => true);
      const timedOut = Bun.sleep(grace).then(() => false);
      if (!(await Promise.race([drained, timedOut]))) {
        log(`entrypoint ${ep.name}: ${ep.inFlight} request(s) still running after graceTimeOut ${grace} ms, closing`);
        await ep.stop(true);
      }
    }),
  );
}
