// Power of two choices: draw two distinct eligible servers at random and keep
// the one with fewer requests in flight. Cheap, needs no shared ordering, and
// steers away from slow servers. Weights only decide eligibility (0 = never).
import type { Balancer } from "./balancer.ts";
import type { ServerState } from "./server-state.ts";

export class PowerOfTwoChoices implements Balancer {
  readonly servers: readonly ServerState[];

  /** `random` returns [0, 1) like Math.random; injectable for tests. */
  constructor(servers: readonly ServerState[], private readonly random: () => number = Math.random) {
    this.servers = servers;
  }

  pick(): ServerState | undefined {
    const servers = this.servers;
    const n = servers.length;
    let count = 0;
    for (let i = 0; i < n; i++) if (servers[i].eligible) count++;
    if (count === 0) return undefined;

    // Two distinct ranks among the eligible servers, without building a list.
    const a = Math.min(count - 1, Math.floor(this.random() * count));
    let b = a;
    if (count > 1) {
      b = Math.min(count - 2, Math.floor(this.random() * (count - 1)));
      if (b >= a) b++;
    }

    let first: ServerState | undefined;
    let second: ServerState | undefined;
    for (let i = 0, rank = 0; i < n && (first === undefined || second === undefined); i++) {
      const s = servers[i];
      if (!s.eligible) continue;
      if (rank === a) first = s;
      if (rank === b) second = s;
      rank++;
    }
    // Both are set: ranks are below `count` and nothing changes mid-pick.
    return second!.inFlight < first!.inFlight ? second : first;
  }
}
