import { describe, expect, test } from "bun:test";
import { LeastTime } from "./least-time.ts";
import { ServerState } from "./server-state.ts";

function setup(weights: number[], latencies: number[] = [], inFlight: number[] = []) {
  const servers = weights.map((w, i) => new ServerState(`http://s${i}.test`, w));
  const lt = new LeastTime(servers);
  servers.forEach((s, i) => {
    if (latencies[i] !== undefined) s.recordLatency(latencies[i]);
    s.inFlight = inFlight[i] ?? 0;
  });
  const picks = (n: number) => Array.from({ length: n }, () => servers.indexOf(lt.pick()!)).join("");
  return { servers, lt, picks };
}

describe("LeastTime", () => {
  const table: { name: string; weights: number[]; latencies?: number[]; inFlight?: number[]; want: string }[] = [
    { name: "cold pool: round robin", weights: [1, 1, 1], want: "012012" },
    { name: "cold pool: by weight", weights: [2, 1], want: "001001" },
    { name: "fastest wins", weights: [1, 1, 1], latencies: [30, 10, 20], want: "1111" },
    { name: "in-flight requests count: 10ms×(1+3) loses to 20ms×1", weights: [1, 1], latencies: [10, 20], inFlight: [3, 0], want: "11" },
    { name: "weight divides the score: 20ms/4 beats 10ms/1", weights: [1, 4], latencies: [10, 20], want: "111" },
  ];
  for (const c of table) {
    test(c.name, () => expect(setup(c.weights, c.latencies, c.inFlight).picks(c.want.length)).toBe(c.want));
  }

  test("unhealthy or passively down servers are skipped; none eligible gives undefined", () => {
    const { servers, lt, picks } = setup([1, 1], [5, 50]);
    servers[0].passiveDown = true;
    expect(picks(2)).toBe("11");
    servers[1].healthy = false;
    expect(lt.pick()).toBeUndefined();
  });

  test("the average covers the last 100 samples only", () => {
    const s = new ServerState("http://x.test");
    s.trackLatency();
    for (let i = 0; i < 100; i++) s.recordLatency(1000);
    for (let i = 0; i < 100; i++) s.recordLatency(10);
    expect(s.averageLatency).toBeCloseTo(10, 6);
    s.recordLatency(NaN);
    expect(s.averageLatency).toBeCloseTo(10, 6);
  });
});
