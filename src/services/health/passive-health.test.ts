import { afterEach, describe, expect, test } from "bun:test";
import { ServerState } from "../balancer/server-state.ts";
import { PassiveHealth, resolvePassiveSettings } from "./passive-health.ts";

const made: PassiveHealth[] = [];
afterEach(() => {
  while (made.length) made.pop()!.stop();
});

describe("PassiveHealth", () => {
  // Failure times (ms on a fake clock) → is the server out afterwards?
  const table: { name: string; max: number; windowMs: number; failures: number[]; out: boolean }[] = [
    { name: "one failure with max 1", max: 1, windowMs: 1000, failures: [0], out: true },
    { name: "two failures with max 3", max: 3, windowMs: 1000, failures: [0, 10], out: false },
    { name: "three failures within the window", max: 3, windowMs: 1000, failures: [0, 500, 999], out: true },
    { name: "three failures spread wider than the window", max: 3, windowMs: 1000, failures: [0, 600, 1200], out: false },
    { name: "old failures expire, recent ones count", max: 2, windowMs: 100, failures: [0, 500, 550], out: true },
  ];
  for (const c of table) {
    test(c.name, () => {
      let now = 0;
      const server = new ServerState("http://s.test");
      const ph = new PassiveHealth({ windowMs: c.windowMs, maxFailures: c.max }, undefined, () => now);
      made.push(ph);
      for (const t of c.failures) {
        now = t;
        ph.failed(server);
      }
      expect(server.passiveDown).toBe(c.out);
      expect(server.eligible).toBe(!c.out);
    });
  }

  test("a server taken out comes back after the window, and changes are reported", async () => {
    const server = new ServerState("http://s.test");
    const changes: boolean[] = [];
    const ph = new PassiveHealth({ windowMs: 40, maxFailures: 1 }, (_s, up) => changes.push(up));
    made.push(ph);
    ph.failed(server);
    expect(server.passiveDown).toBe(true);
    const end = Date.now() + 2000;
    while (server.passiveDown && Date.now() < end) await Bun.sleep(5);
    expect(server.passiveDown).toBe(false);
    expect(changes).toEqual([false, true]);
  });

  const settings: [Record<string, unknown>, { windowMs: number; maxFailures: number }, number][] = [
    [{}, { windowMs: 10_000, maxFailures: 1 }, 0],
    [{ failureWindow: "3s", maxFailedAttempts: 3 }, { windowMs: 3000, maxFailures: 3 }, 0],
    [{ failureWindow: 2 }, { windowMs: 2000, maxFailures: 1 }, 0],
    [{ failureWindow: "0s", maxFailedAttempts: 1.5 }, { windowMs: 10_000, maxFailures: 1 }, 2],
  ];
  for (const [config, want, warnings] of settings) {
    test(`settings ${JSON.stringify(config)}`, () => {
      const r = resolvePassiveSettings(config);
      expect(r.settings).toEqual(want);
      expect(r.warnings).toHaveLength(warnings);
    });
  }
});
