// Traefik v3's `leasttime`: the server with the lowest
// average response time × (1 + requests in flight) / weight wins. Ties (all
// servers cold at start, or equally fast) go to a weighted round robin by
// earliest deadline, so a fresh pool is still spread by weight.
import type { Balancer } from "./balancer.ts";
import type { ServerState } from "./server-state.ts";

export class LeastTime implements Balancer {
  readonly servers: readonly ServerState[];
  /** Earliest-deadline-first state for tie breaks: next "due time" per server. */
  private readonly deadlines: Float64Array;

  constructor(servers: readonly ServerState[]) {
    this.servers = servers;
    this.deadlines = new Float64Array(servers.length);
    // Each server first comes due after one period of its own; equal
    // deadlines go to the earlier server, so a cold equal pool is round robin.
    for (let i = 0; i < servers.length; i++) {
      servers[i].trackLatency();
      this.deadlines[i] = servers[i].weight > 0 ? 1 / servers[i].weight : Infinity;
    }
  }

  pick(): ServerState | undefined {
    const servers = this.servers;
    const n = servers.length;
    let minScore = Infinity;
    for (let i = 0; i < n; i++) {
      const s = servers[i];
      if (!s.eligible) continue;
      const score = (s.averageLatency * (1 + s.inFlight)) / s.weight;
      if (score < minScore) minScore = score;
    }
    if (minScore === Infinity) return undefined;
    let best = -1;
    for (let i = 0; i < n; i++) {
      const s = servers[i];
      if (!s.eligible) continue;
      if ((s.averageLatency * (1 + s.inFlight)) / s.weight !== minScore) continue;
      if (best < 0 || this.deadlines[i] < this.deadlines[best]) best = i;
    }
    const chosen = servers[best];
    this.deadlines[best] += 1 / chosen.weight;
    return chosen;
  }
}
