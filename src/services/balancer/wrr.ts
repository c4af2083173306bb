// Smooth weighted round-robin, as nginx does it: on every pick each eligible
// server's current weight grows by its weight, the largest current wins, and
// the winner pays back the total. Weights 5,1,1 give a a b a c a a: the heavy
// server is spread out instead of sent five requests in a row.
import type { Balancer, Weighted } from "./balancer.ts";
import type { ServerState } from "./server-state.ts";

/** Generic over its targets: servers of a load balancer, or children of `weighted`. */
export class WeightedRoundRobin<T extends Weighted = ServerState> implements Balancer<T> {
  readonly servers: readonly T[];
  /** nginx's `current_weight`, one slot per server (index = position in servers). */
  private readonly current: Float64Array;
  /** Eligibility (healthy and weight > 0) seen at the previous pick: 1 or 0. */
  private readonly eligibleAtLastPick: Uint8Array;

  constructor(servers: readonly T[]) {
    this.servers = servers;
    this.current = new Float64Array(servers.length);
    this.eligibleAtLastPick = new Uint8Array(servers.length);
    for (let i = 0; i < servers.length; i++) this.eligibleAtLastPick[i] = servers[i].eligible ? 1 : 0;
  }

  pick(): T | undefined {
    const servers = this.servers;
    const current = this.current;
    const seen = this.eligibleAtLastPick;
    const n = servers.length;

    // Health is flipped from outside (health checker), so notice it here.
    // When the eligible set changes, stale current weights of a returning
    // server (or the debt a leaving one took with it) would skew the next
    // rounds; restarting from zero gives the exact smooth sequence of the new
    // set straight away.
    let changed = false;
    for (let i = 0; i < n; i++) {
      const e = servers[i].eligible ? 1 : 0;
      if (e !== seen[i]) {
        seen[i] = e;
        changed = true;
      }
    }
    if (changed) current.fill(0);

    let best = -1;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (seen[i] === 0) continue;
      const w = servers[i].weight;
      current[i] += w;
      total += w;
      // Strictly greater: ties go to the earlier server, as in nginx.
      if (best < 0 || current[i] > current[best]) best = i;
    }
    if (best < 0) return undefined;
    current[best] -= total;
    return servers[best];
  }
}
