import { describe, expect, test } from "bun:test";
import { call, FakeService, tally } from "./service-testing.ts";
import { stickyValue } from "./sticky-cookie.ts";
import { WeightedService } from "./weighted-service.ts";

function setup(weights: number[], opts: { sticky?: Record<string, unknown>; followHealth?: boolean } = {}) {
  const children = weights.map((_, i) => new FakeService(`s${i}@file`));
  const svc = new WeightedService("canary@file", children.map((service, i) => ({ service, weight: weights[i] })), {
    sticky: opts.sticky,
    followHealth: opts.followHealth ?? false,
  });
  return { children, svc };
}

async function names(svc: WeightedService, n: number, headers: Record<string, string> = {}): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await (await call(svc, { headers })).text());
  return out;
}

describe("weighted: distribution over N picks (smooth WRR is exact per round)", () => {
  const table: { weights: number[]; n: number; want: Record<string, number> }[] = [
    { weights: [3, 1], n: 400, want: { "s0@file": 300, "s1@file": 100 } },
    { weights: [1, 1, 1], n: 300, want: { "s0@file": 100, "s1@file": 100, "s2@file": 100 } },
    { weights: [9, 1], n: 200, want: { "s0@file": 180, "s1@file": 20 } },
    { weights: [5, 0, 1], n: 60, want: { "s0@file": 50, "s2@file": 10 } },
  ];
  for (const c of table) {
    test(`weights ${c.weights.join(",")} over ${c.n}`, async () => {
      expect(tally(await names(setup(c.weights).svc, c.n))).toEqual(c.want);
    });
  }

  test("a heavy child is spread out, not sent a burst", async () => {
    expect((await names(setup([3, 1]).svc, 8)).join(" ")).toBe("s0@file s0@file s1@file s0@file s0@file s0@file s1@file s0@file");
  });
});

describe("weighted: healthCheck {} propagation", () => {
  const table: { name: string; follow: boolean; down: number[]; want: Record<string, number> }[] = [
    { name: "followed: a down child is skipped", follow: true, down: [1], want: { "s0@file": 20 } },
    { name: "not followed: a down child still gets its share", follow: false, down: [1], want: { "s0@file": 10, "s1@file": 10 } },
    { name: "followed: all down gives 503s", follow: true, down: [0, 1], want: { "Service Unavailable\n": 20 } },
  ];
  for (const c of table) {
    test(c.name, async () => {
      const { children, svc } = setup([1, 1], { followHealth: c.follow });
      for (const i of c.down) children[i].up = false;
      expect(tally(await names(svc, 20))).toEqual(c.want);
      expect(svc.isUp()).toBe(c.down.length < 2);
    });
  }
});

describe("weighted: sticky cookie", () => {
  const cookieOf = (res: Response) => res.headers.get("set-cookie");

  test("the first answer pins the client; the cookie keeps it there", async () => {
    const { svc } = setup([1, 1], { sticky: { name: "lb" } });
    const first = await call(svc);
    const who = await first.text();
    expect(cookieOf(first)).toBe(`lb=${stickyValue(who)}; Path=/`);
    const pinned = await names(svc, 10, { cookie: `other=1; lb=${stickyValue(who)}` });
    expect(new Set(pinned)).toEqual(new Set([who]));
    // A valid cookie is not set again.
    expect(cookieOf(await call(svc, { headers: { cookie: `lb=${stickyValue(who)}` } }))).toBeNull();
  });

  const fallbacks = [
    { name: "unknown value", cookie: () => "lb=0123456789abcdef", down: [] as number[], rewrite: true, expectChild: undefined as string | undefined },
    { name: "child down (followed)", cookie: () => `lb=${stickyValue("s1@file")}`, down: [1], rewrite: true, expectChild: "s0@file" },
    { name: "plain name of an older Traefik", cookie: () => "lb=s1@file", down: [], rewrite: true, expectChild: "s1@file" },
  ];
  for (const c of fallbacks) {
    test(`falls back and re-sets the cookie: ${c.name}`, async () => {
      const { children, svc } = setup([1, 1], { sticky: { name: "lb" }, followHealth: true });
      for (const i of c.down) children[i].up = false;
      const res = await call(svc, { headers: { cookie: c.cookie() } });
      const who = await res.text();
      if (c.expectChild) expect(who).toBe(c.expectChild);
      expect(cookieOf(res)).toBe(`lb=${stickyValue(who)}; Path=/`);
    });
  }

  test("default cookie name is Traefik's hashed one", async () => {
    const { svc } = setup([1], { sticky: {} });
    expect(cookieOf(await call(svc))).toMatch(/^_[0-9a-f]{5}=[0-9a-f]{16}; Path=\/$/);
  });
});

describe("weighted: raw fast path", () => {
  test("only when no cookie has to be written and every child has one", () => {
    const raw = () => {};
    const a = Object.assign(new FakeService("a"), { raw });
    const b = Object.assign(new FakeService("b"), { raw });
    const plain = new WeightedService("w", [{ service: a, weight: 1 }, { service: b, weight: 1 }], { followHealth: false });
    const sticky = new WeightedService("w", [{ service: a, weight: 1 }, { service: b, weight: 1 }], { followHealth: false, sticky: {} });
    const mixed = new WeightedService("w", [{ service: a, weight: 1 }, { service: new FakeService("c"), weight: 1 }], { followHealth: false });
    expect([plain.raw !== undefined, sticky.raw !== undefined, mixed.raw !== undefined]).toEqual([true, false, false]);
  });
});
