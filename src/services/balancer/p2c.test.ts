import { describe, expect, test } from "bun:test";
import { PowerOfTwoChoices } from "./p2c.ts";
import { ServerState } from "./server-state.ts";

/** Returns the given values in turn (then repeats them). */
function scripted(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

function servers(inFlight: number[]): ServerState[] {
  return inFlight.map((n, i) => {
    const s = new ServerState(`http://s${i}.test`);
    s.inFlight = n;
    return s;
  });
}

describe("PowerOfTwoChoices", () => {
  test("of the two drawn, the one with fewer requests in flight wins", () => {
    const s = servers([5, 0]);
    const p2c = new PowerOfTwoChoices(s, Math.random);
    for (let i = 0; i < 50; i++) expect(p2c.pick()).toBe(s[1]);
  });

  // Draw ranks come from random(): first = floor(r1*count), second = floor(r2*(count-1)), skipping first.
  const table: { name: string; inFlight: number[]; down?: number[]; randoms: number[]; expected: number }[] = [
    { name: "compares only the two drawn, not all", inFlight: [0, 10, 9], randoms: [0.5, 0.6], expected: 2 },
    { name: "tie keeps the first drawn", inFlight: [3, 3, 3], randoms: [0.9, 0.0], expected: 2 },
    { name: "second draw skips the first", inFlight: [1, 2, 3], randoms: [0.0, 0.0], expected: 0 },
    { name: "unhealthy servers are not ranked", inFlight: [0, 4, 2], down: [0], randoms: [0.0, 0.0], expected: 2 },
    { name: "single eligible server", inFlight: [7, 1], down: [1], randoms: [0.99], expected: 0 },
    { name: "random() of almost 1 stays in range", inFlight: [1, 1, 1], randoms: [0.9999999999, 0.9999999999], expected: 2 },
  ];
  for (const c of table) {
    test(c.name, () => {
      const s = servers(c.inFlight);
      for (const i of c.down ?? []) s[i].healthy = false;
      const p2c = new PowerOfTwoChoices(s, scripted(c.randoms));
      expect(p2c.pick()).toBe(s[c.expected]);
    });
  }

  test("with equal load the spread is roughly even", () => {
    const s = servers([0, 0, 0, 0]);
    const p2c = new PowerOfTwoChoices(s);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 8000; i++) counts[s.indexOf(p2c.pick()!)]++;
    for (const c of counts) expect(c).toBeGreaterThan(1500);
  });
});
