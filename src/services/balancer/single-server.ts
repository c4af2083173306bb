// `wrr` over exactly one server: the server when it is eligible, else none.
// Same picks as WeightedRoundRobin with one server, without its per-server
// arrays (services with one server are the common case, often by thousands).
import type { Balancer, Weighted } from "./balancer.ts";
import type { ServerState } from "./server-state.ts";

export class SingleServer<T extends Weighted = ServerState> implements Balancer<T> {
  readonly servers: readonly T[];
  private readonly server: T;

  constructor(servers: readonly [T] | readonly T[]) {
    if (servers.length !== 1) throw new Error(`SingleServer needs exactly one server, got ${servers.length}`);
    this.servers = servers;
    this.server = servers[0];
  }

  pick(): T | undefined {
    const s = this.server;
    return s.eligible ? s : undefined;
  }
}
