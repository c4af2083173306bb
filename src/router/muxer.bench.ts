// Micro-benchmark (not a test): match throughput with 1 router vs 10 000
// routers on distinct hosts. With the host index both should be close.
// Run: npx bun src/router/muxer.bench.ts
import { Muxer } from "./muxer.ts";
import type { MatchInput } from "./rule/index.ts";

function makeInput(host: string, path: string): MatchInput {
  return { host, path, method: "GET", header: () => null, query: "", clientIP: "10.0.0.1" };
}

function build(n: number): Muxer<number> {
  const m = new Muxer<number>();
  for (let i = 0; i < n; i++) {
    m.add({ name: `r${i}`, rule: `Host(\`host${i}.example.com\`) && PathPrefix(\`/api\`)`, syntax: "v3", value: i });
  }
  // One non-indexable route, as most setups have (a catch-all or a path-only rule).
  m.add({ name: "catchall", rule: "PathPrefix(`/`)", syntax: "v3", priority: 1, value: -1 });
  m.finalize();
  return m;
}

function bench(label: string, m: Muxer<number>, inputs: MatchInput[], durationMs = 1000): void {
  let ops = 0;
  let sink = 0;
  const start = performance.now();
  let now = start;
  while (now - start < durationMs) {
    for (let k = 0; k < 1000; k++) sink += m.match(inputs[(ops + k) % inputs.length])?.value ?? 0;
    ops += 1000;
    now = performance.now();
  }
  const perSec = Math.round(ops / ((now - start) / 1000));
  console.log(`${label.padEnd(34)} ${perSec.toLocaleString("en-US").padStart(14)} match/s  (sink ${sink % 7})`);
}

for (const n of [1, 10_000]) {
  const t0 = performance.now();
  const m = build(n);
  const buildMs = (performance.now() - t0).toFixed(0);
  const hits = Array.from({ length: 64 }, (_, i) => makeInput(`host${(i * 7919) % n}.example.com`, "/api/x"));
  const misses = Array.from({ length: 64 }, (_, i) => makeInput(`unknown${i}.example.com`, "/x"));
  console.log(`${n} routers (built in ${buildMs} ms)`);
  bench(`  hit (host bucket)`, m, hits);
  bench(`  miss (falls to catch-all)`, m, misses);
}
