// The seam between a load-balancer service and its picking strategy, so that
// strategies (`wrr`, `p2c`, ...) are interchangeable and share one test suite.
import type { ServerState } from "./server-state.ts";

/** What a balancer needs to know of a target: a server, or a child service of `weighted`. */
export interface Weighted {
  readonly eligible: boolean;
  readonly weight: number;
}

export interface Balancer<T extends Weighted = ServerState> {
  /**
   * The server for the next request, chosen among healthy servers with a
   * weight above 0; undefined when there is none. Must not allocate.
   */
  pick(): T | undefined;
  /** Every server the balancer was built over, in configuration order. */
  readonly servers: readonly T[];
}
