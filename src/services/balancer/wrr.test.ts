import { describe, expect, test } from "bun:test";
import { ServerState } from "./server-state.ts";
import { WeightedRoundRobin } from "./wrr.ts";

const NAMES = "abcdefgh";

function setup(weights: number[]) {
  const servers = weights.map((w, i) => new ServerState(new URL(`http://${NAMES[i]}.test:80`), w));
  const wrr = new WeightedRoundRobin(servers);
  const picks = (n: number) => {
    let out = "";
    for (let i = 0; i < n; i++) {
      const s = wrr.pick();
      out += s ? NAMES[servers.indexOf(s)] : "-";
    }
    return out;
  };
  return { servers, wrr, picks };
}

describe("WeightedRoundRobin sequences (nginx smooth WRR, worked out by hand)", () => {
  const table: [number[], string][] = [
    [[5, 1, 1], "aabacaa"],
    [[5, 1, 1, 0], "aabacaa"],
    [[1, 1, 1], "abcabc"],
    [[2, 1], "abaaba"],
    [[3, 2], "ababa"],
    [[0, 2, 1], "bcb"],
    [[4, 2, 1], "abacaba"],
  ];
  for (const [weights, expected] of table) {
    test(`weights ${weights.join(",")} → ${expected}`, () => {
      expect(setup(weights).picks(expected.length)).toBe(expected);
    });
  }

  test("weights default to 1", () => {
    const servers = [new ServerState("http://a.test"), new ServerState("http://b.test")];
    const wrr = new WeightedRoundRobin(servers);
    expect([wrr.pick(), wrr.pick(), wrr.pick(), wrr.pick()]).toEqual([servers[0], servers[1], servers[0], servers[1]]);
  });

  test("negative and NaN weights count as 0", () => {
    expect(setup([-3, Number.NaN, 2]).picks(4)).toBe("cccc");
  });
});

describe("WeightedRoundRobin distribution", () => {
  const table: number[][] = [[5, 1, 1], [10, 3, 7], [1, 2, 3, 4, 5], [100, 1], [2.5, 0.5]];
  for (const weights of table) {
    test(`every window of one period holds exactly the weights (${weights.join(",")})`, () => {
      const { picks } = setup(weights);
      // Scale fractional weights to whole picks per period.
      const scale = weights.some((w) => !Number.isInteger(w)) ? 2 : 1;
      const period = weights.reduce((a, b) => a + b, 0) * scale;
      const seq = picks(period * 4);
      // Sliding windows too: the sequence is periodic, so any alignment works.
      for (const start of [0, 1, Math.floor(period / 2), period, period * 2 + 3]) {
        const window = seq.slice(start, start + period);
        weights.forEach((w, i) => {
          expect(window.split(NAMES[i]).length - 1).toBe(w * scale);
        });
      }
    });
  }
});

describe("WeightedRoundRobin with health changes", () => {
  test("unhealthy server is skipped and the rest keep their smooth sequence", () => {
    const { servers, picks } = setup([5, 1, 1]);
    expect(picks(3)).toBe("aab");
    servers[2].healthy = false;
    // The exact smooth sequence of {a:5, b:1}, restarting at the change.
    expect(picks(6)).toBe("aaabaa");
    expect(picks(6)).toBe("aaabaa");
  });

  test("a returning server rejoins at once and the full sequence resumes", () => {
    const { servers, picks } = setup([5, 1, 1]);
    servers[2].healthy = false;
    expect(picks(4)).toBe("aaab");
    servers[2].healthy = true;
    expect(picks(14)).toBe("aabacaaaabacaa");
  });

  test("all unhealthy gives undefined, then recovery", () => {
    const { servers, picks } = setup([2, 1]);
    for (const s of servers) s.healthy = false;
    expect(picks(3)).toBe("---");
    servers[1].healthy = true;
    expect(picks(2)).toBe("bb");
    servers[0].healthy = true;
    expect(picks(3)).toBe("aba");
  });

  test("after many flaps each period still holds the weights", () => {
    const { servers, picks } = setup([3, 2, 1]);
    for (let round = 0; round < 20; round++) {
      servers[round % 3].healthy = round % 2 === 0;
      picks(round % 5);
    }
    for (const s of servers) s.healthy = true;
    const seq = picks(12);
    expect([...seq].filter((c) => c === "a").length).toBe(6);
    expect([...seq].filter((c) => c === "b").length).toBe(4);
    expect([...seq].filter((c) => c === "c").length).toBe(2);
  });
});
