import { describe, expect, test } from "bun:test";
import { MirroringService, type MirroringOptions } from "./mirroring-service.ts";
import { call, FakeService } from "./service-testing.ts";

const base: MirroringOptions = { maxBodySize: -1, mirrorBody: true, followHealth: false };

/** Waits (bounded) until `cond` holds. */
async function until(cond: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await Bun.sleep(2);
  }
  return true;
}

describe("mirroring: percentages (Traefik's counting rule, deterministic)", () => {
  const table: { percents: number[]; n: number; want: number[] }[] = [
    { percents: [10], n: 100, want: [10] },
    { percents: [50, 100, 0], n: 100, want: [50, 100, 0] },
    { percents: [33], n: 300, want: [99] },
    { percents: [1, 99], n: 200, want: [2, 198] },
  ];
  for (const c of table) {
    test(`${c.percents.join("%, ")}% over ${c.n} requests`, () => {
      const mirrors = c.percents.map((p, i) => ({ service: new FakeService(`m${i}`), percent: p }));
      const svc = new MirroringService("shadow", new FakeService("main"), mirrors, base);
      const counts = c.percents.map(() => 0);
      for (let i = 0; i < c.n; i++) for (const s of svc.selectMirrors() ?? []) counts[mirrors.findIndex((m) => m.service === s)]++;
      expect(counts).toEqual(c.want);
    });
  }

  test("10% is every tenth request, spread out", () => {
    const m = new FakeService("m");
    const svc = new MirroringService("shadow", new FakeService("main"), [{ service: m, percent: 10 }], base);
    const hits: number[] = [];
    for (let i = 1; i <= 30; i++) if (svc.selectMirrors()) hits.push(i);
    expect(hits).toEqual([1, 11, 21]);
  });
});

describe("mirroring: requests", () => {
  const bodies: { name: string; opts: Partial<MirroringOptions>; body: string; mirrored: string | null }[] = [
    { name: "body copied", opts: {}, body: "hello mirror", mirrored: "hello mirror" },
    { name: "body within maxBodySize", opts: { maxBodySize: 12 }, body: "hello mirror", mirrored: "hello mirror" },
    { name: "body over maxBodySize is not mirrored", opts: { maxBodySize: 11 }, body: "hello mirror", mirrored: null },
    { name: "mirrorBody false sends no body", opts: { mirrorBody: false }, body: "hello mirror", mirrored: "" },
  ];
  for (const c of bodies) {
    for (const streamed of [false, true]) {
      test(`${c.name}${streamed ? " (streamed, no content-length)" : ""}`, async () => {
        const main = new FakeService("main");
        const mirror = new FakeService("mirror");
        const svc = new MirroringService("shadow", main, [{ service: mirror, percent: 100 }], { ...base, ...c.opts });
        const body = streamed ? new Blob([c.body]).stream() : c.body;
        const res = await call(svc, { method: "POST", body, duplex: "half" } as RequestInit);
        expect(await res.text()).toBe("main");
        expect(main.received[0].body).toBe(c.body);
        if (c.mirrored === null) {
          await Bun.sleep(20);
          expect(mirror.received).toHaveLength(0);
          expect(svc.stats.dropped).toBe(1);
        } else {
          expect(await until(() => mirror.received.length === 1)).toBe(true);
          expect(mirror.received[0].body).toBe(c.mirrored);
          expect(mirror.received[0].method).toBe("POST");
        }
      });
    }
  }

  test("a failing mirror does not touch the main response", async () => {
    const mirror = new FakeService("mirror");
    mirror.fail = true;
    const svc = new MirroringService("shadow", new FakeService("main"), [{ service: mirror, percent: 100 }], base);
    for (let i = 0; i < 5; i++) expect(await (await call(svc)).text()).toBe("main");
    expect(await until(() => svc.stats.inFlight === 0 && mirror.received.length === 5)).toBe(true);
  });

  test("a stuck mirror neither delays the main answer nor piles up: copies over the limit are dropped", async () => {
    const mirror = new FakeService("mirror");
    let open!: () => void;
    mirror.gate = new Promise((r) => (open = r));
    const svc = new MirroringService("shadow", new FakeService("main"), [{ service: mirror, percent: 100 }], { ...base, maxInFlight: 3 });
    const started = performance.now();
    for (let i = 0; i < 10; i++) expect(await (await call(svc)).text()).toBe("main");
    expect(performance.now() - started).toBeLessThan(1000);
    await until(() => svc.stats.inFlight === 3);
    expect(svc.stats).toEqual({ sent: 3, dropped: 7, inFlight: 3 });
    open();
    expect(await until(() => svc.stats.inFlight === 0)).toBe(true);
  });

  test("body copies are bounded by the byte budget", async () => {
    const mirror = new FakeService("mirror");
    let open!: () => void;
    mirror.gate = new Promise((r) => (open = r));
    const svc = new MirroringService("shadow", new FakeService("main"), [{ service: mirror, percent: 100 }], { ...base, bodyBudgetBytes: 25 });
    const body = "0123456789";
    for (let i = 0; i < 4; i++) await call(svc, { method: "POST", body: new Blob([body]).stream(), duplex: "half" } as RequestInit);
    await until(() => svc.stats.inFlight === 2);
    // Two 10-byte copies fit in 25 bytes; the others are dropped while those are held.
    expect(svc.stats).toEqual({ sent: 2, dropped: 2, inFlight: 2 });
    open();
    expect(await until(() => svc.stats.inFlight === 0)).toBe(true);
    await call(svc, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(await until(() => mirror.received.length === 3)).toBe(true);
  });

  test("healthCheck {} reports the main service's health", () => {
    const main = new FakeService("main");
    const svc = new MirroringService("shadow", main, [], { ...base, followHealth: true });
    expect([svc.reportsHealth, svc.isUp()]).toEqual([true, true]);
    main.up = false;
    expect(svc.isUp()).toBe(false);
  });
});
