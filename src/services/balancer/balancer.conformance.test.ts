// One table of behaviours every Balancer must show, run against each
// implementation. Strategy-specific sequences live in wrr.test.ts / p2c.test.ts.
import { describe, expect, test } from "bun:test";
import type { Balancer } from "./balancer.ts";
import { LeastTime } from "./least-time.ts";
import { PowerOfTwoChoices } from "./p2c.ts";
import { ServerState } from "./server-state.ts";
import { SingleServer } from "./single-server.ts";
import { WeightedRoundRobin } from "./wrr.ts";

/** Small deterministic PRNG (mulberry32) so p2c runs are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const implementations: [string, (servers: ServerState[]) => Balancer][] = [
  ["WeightedRoundRobin", (s) => new WeightedRoundRobin(s)],
  ["PowerOfTwoChoices", (s) => new PowerOfTwoChoices(s, seeded(42))],
  ["LeastTime", (s) => new LeastTime(s)],
  // What a wrr load balancer uses: SingleServer for one server.
  ["SingleServer or WeightedRoundRobin", (s) => (s.length === 1 ? new SingleServer(s) : new WeightedRoundRobin(s))],
];

interface Case {
  name: string;
  weights: number[];
  /** Indexes of servers marked unhealthy before picking. */
  down?: number[];
  /** Indexes that must each be picked at least once in 300 picks (and nothing else). */
  expectPicked: number[];
}

const cases: Case[] = [
  { name: "no servers gives undefined", weights: [], expectPicked: [] },
  { name: "all unhealthy gives undefined", weights: [1, 1, 1], down: [0, 1, 2], expectPicked: [] },
  { name: "all weights 0 gives undefined", weights: [0, 0], expectPicked: [] },
  { name: "single server always", weights: [1], expectPicked: [0] },
  { name: "every healthy server gets traffic", weights: [1, 1, 1, 1], expectPicked: [0, 1, 2, 3] },
  { name: "unhealthy servers are skipped", weights: [1, 1, 1, 1], down: [1, 3], expectPicked: [0, 2] },
  { name: "weight 0 is never picked", weights: [3, 0, 1], expectPicked: [0, 2] },
  { name: "one healthy among many", weights: [1, 2, 3, 4, 5], down: [0, 1, 3, 4], expectPicked: [2] },
  { name: "unhealthy and weight 0 combined", weights: [0, 2, 1, 0], down: [2], expectPicked: [1] },
];

function build(weights: number[], down: number[] = []): ServerState[] {
  return weights.map((w, i) => {
    const s = new ServerState(new URL(`http://s${i}.test:80`), w);
    if (down.includes(i)) s.healthy = false;
    return s;
  });
}

for (const [implName, make] of implementations) {
  describe(`Balancer conformance: ${implName}`, () => {
    for (const c of cases) {
      test(c.name, () => {
        const servers = build(c.weights, c.down);
        const balancer = make(servers);
        const counts = new Map<number, number>();
        for (let i = 0; i < 300; i++) {
          const s = balancer.pick();
          if (c.expectPicked.length === 0) {
            expect(s).toBeUndefined();
            continue;
          }
          expect(s).toBeDefined();
          const idx = servers.indexOf(s!);
          counts.set(idx, (counts.get(idx) ?? 0) + 1);
        }
        expect([...counts.keys()].sort((a, b) => a - b)).toEqual(c.expectPicked);
      });
    }

    test("exposes its servers in configuration order", () => {
      const servers = build([1, 2, 3]);
      const balancer = make(servers);
      expect(balancer.servers.map((s) => s.url.href)).toEqual(servers.map((s) => s.url.href));
    });

    test("follows health changes made between picks", () => {
      const servers = build([1, 1]);
      const balancer = make(servers);
      servers[0].healthy = false;
      for (let i = 0; i < 20; i++) expect(balancer.pick()).toBe(servers[1]);
      servers[1].healthy = false;
      expect(balancer.pick()).toBeUndefined();
      servers[0].healthy = true;
      for (let i = 0; i < 20; i++) expect(balancer.pick()).toBe(servers[0]);
      servers[1].healthy = true;
      const seen = new Set<ServerState>();
      for (let i = 0; i < 50; i++) seen.add(balancer.pick()!);
      expect(seen.size).toBe(2);
    });

    test("picks stay fast with many servers (linear, no blow-up)", () => {
      const servers = build(Array.from({ length: 1000 }, (_, i) => (i % 7) + 1));
      const balancer = make(servers);
      const t0 = performance.now();
      for (let i = 0; i < 20_000; i++) balancer.pick();
      // 20M server visits; generous bound so only a super-linear pick fails.
      expect(performance.now() - t0).toBeLessThan(5_000);
    });
  });
}
