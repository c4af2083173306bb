import { unsupportedNotices } from "../config/static/load.ts";
import { configureLogger, log } from "../observability/logger.ts";
import { SluiceApp } from "../server/app.ts";
import { ballastBytes, GcBallast } from "../server/gc-ballast.ts";
import { bytesFreedEarly } from "../server/raw/free-bytes.ts";
import type { ClientFactory } from "../services/service-registry.ts";
import { FetchUpstreamClient } from "../services/upstream/fetch-client.ts";
import { PooledUpstreamClient } from "../services/upstream/pool-client.ts";
import { RawUpstreamPool } from "../services/upstream/raw-forward.ts";
import type { RawUpstreamFactory } from "../services/service-registry.ts";
import { EXIT_BAD_STATIC_CONFIG, loadStaticOrReport } from "./load-static.ts";

/**
 * The upstream client. Bun's fetch by default: on this 2-core machine it
 * measured 0.45x nginx on tiny responses against 0.30x for the pooled
 * Bun.connect client (scripts/bench.ts --cases=tiny), as its socket I/O runs
 * on Bun's HTTP thread. SLUICE_UPSTREAM=pool selects the pooled client.
 */
export function clientFactory(env: Record<string, string | undefined>): ClientFactory {
  if (env.SLUICE_UPSTREAM === "pool") {
    return (t) => new PooledUpstreamClient({ maxIdleConnsPerHost: t.maxIdleConnsPerHost, idleConnTimeoutMs: t.timeouts.idleConnTimeoutMs });
  }
  return () => new FetchUpstreamClient();
}

/**
 * Plain-HTTP entrypoints use the raw HTTP/1.1 front (Bun.listen, our strict
 * parser) and forward socket to socket: measured against nginx in one run
 * (scripts/bench.ts), tiny 0.58x vs 0.56x, 1 MiB 0.96x vs 0.49x, 1 GiB
 * download 0.99x vs 0.72x for Bun.serve + fetch. SLUICE_FRONT=serve selects
 * Bun.serve instead.
 */
export function rawUpstreamFactory(env: Record<string, string | undefined>): RawUpstreamFactory | undefined {
  if (env.SLUICE_FRONT === "serve") return undefined;
  return (t) => new RawUpstreamPool({ maxIdleConnsPerHost: t.maxIdleConnsPerHost, idleConnTimeoutMs: t.timeouts.idleConnTimeoutMs });
}

export async function runProxy(args: string[], env: Record<string, string | undefined>): Promise<void> {
  const config = loadStaticOrReport(args, env);
  if (!config) process.exit(EXIT_BAD_STATIC_CONFIG);
  configureLogger(config.log);
  for (const notice of unsupportedNotices(config)) log.warn(notice);
  let ballast: number;
  try {
    ballast = ballastBytes(env);
  } catch (err) {
    log.error((err as Error).message);
    process.exit(EXIT_BAD_STATIC_CONFIG);
  }

  const app = new SluiceApp(config, log, clientFactory(env), rawUpstreamFactory(env));
  try {
    await app.start();
  } catch (err) {
    log.error(`cannot start: ${(err as Error).message}`);
    process.exit(1);
  }
  new GcBallast({ bytes: ballast, freedTotal: bytesFreedEarly }).start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`received ${signal}`);
    await app.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGHUP", () => {
    log.info("received SIGHUP, reloading configuration");
    app.reload();
  });
}
