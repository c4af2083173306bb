import { expect, test } from "bun:test";
import { ServerState } from "./server-state.ts";
import { SingleServer } from "./single-server.ts";
import { WeightedRoundRobin } from "./wrr.ts";

test("picks exactly what WeightedRoundRobin picks over one server, through health and weight changes", () => {
  for (const weight of [1, 5, 0]) {
    const a = new ServerState("http://a.test", weight);
    const b = new ServerState("http://a.test", weight);
    const single = new SingleServer([a]);
    const wrr = new WeightedRoundRobin([b]);
    // Deterministic flips of active and passive health between picks.
    for (let i = 0; i < 200; i++) {
      a.healthy = b.healthy = i % 7 !== 3;
      a.passiveDown = b.passiveDown = i % 11 === 5;
      expect(single.pick() === a).toBe(wrr.pick() === b);
    }
  }
});

test("down server gives undefined; servers lists the one server", () => {
  const s = new ServerState("http://a.test");
  const bal = new SingleServer([s]);
  expect(bal.servers).toEqual([s]);
  s.healthy = false;
  expect(bal.pick()).toBeUndefined();
});

test("refuses anything but one server", () => {
  expect(() => new SingleServer([])).toThrow("exactly one");
  expect(() => new SingleServer([new ServerState("http://a"), new ServerState("http://b")])).toThrow("exactly one");
});
