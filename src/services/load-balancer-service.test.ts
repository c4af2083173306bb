// The loadBalancer extras through the Request path, over a fake upstream client.
import { afterEach, describe, expect, test } from "bun:test";
import { LoadBalancerService, type LoadBalancerOptions } from "./load-balancer-service.ts";
import { call, FakeClient, forwardOptions, tally } from "./service-testing.ts";
import { stickyValue } from "./sticky-cookie.ts";

const HOSTS = ["a.test:81", "b.test:82", "c.test:83"];
const built: LoadBalancerService[] = [];
afterEach(() => {
  while (built.length) built.pop()!.dispose();
});

function lb(config: Partial<LoadBalancerOptions>, weights = [1, 1]) {
  const client = new FakeClient();
  const servers = weights.map((weight, i) => ({ url: `http://${HOSTS[i]}`, weight }));
  const svc = new LoadBalancerService("api@file", { servers, ...config }, forwardOptions(client), {});
  built.push(svc);
  return { client, svc };
}

async function hosts(svc: LoadBalancerService, n: number, headers: Record<string, string> = {}): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await (await call(svc, { headers })).text());
  return out;
}

describe("loadBalancer: sticky cookie", () => {
  test("no cookie: balanced and pinned with a cookie naming the server URL's hash", async () => {
    const { svc } = lb({ sticky: { cookie: { name: "srv", httpOnly: true } } });
    const res = await call(svc);
    const host = await res.text();
    expect(res.headers.get("set-cookie")).toBe(`srv=${stickyValue(`http://${host}/`)}; Path=/; HttpOnly`);
    expect(new Set(await hosts(svc, 10, { cookie: `srv=${stickyValue(`http://${host}/`)}` }))).toEqual(new Set([host]));
  });

  const fallbacks = [
    { name: "a dead server", cookie: `srv=${stickyValue("http://b.test:82/")}`, dead: "b.test:82", want: "a.test:81" },
    { name: "an unknown server", cookie: "srv=ffffffffffffffff", dead: null, want: undefined },
  ];
  for (const c of fallbacks) {
    test(`a cookie naming ${c.name} falls back to the balancer and re-sets the cookie`, async () => {
      const { svc } = lb({ sticky: { cookie: { name: "srv" } } });
      if (c.dead) svc.servers.find((s) => s.url.host === c.dead)!.healthy = false;
      const res = await call(svc, { headers: { cookie: c.cookie } });
      const host = await res.text();
      if (c.want) expect(host).toBe(c.want);
      expect(res.headers.get("set-cookie")).toBe(`srv=${stickyValue(`http://${host}/`)}; Path=/`);
    });
  }

  test("sticky turns off the raw fast path; without sticky there is one", () => {
    const raw = { forward: async () => ({ status: 200, responseBytes: 0, headers: [] }), forwardWith: () => {}, tunnel: async () => {}, close: () => {} };
    const make = (sticky: boolean) =>
      new LoadBalancerService("x", { servers: [{ url: "http://a.test" }], ...(sticky ? { sticky: { cookie: {} } } : {}) }, { ...forwardOptions(new FakeClient()), raw }, {});
    expect([make(false).raw !== undefined, make(true).raw !== undefined]).toEqual([true, false]);
  });
});

describe("loadBalancer: strategies", () => {
  test("wrr (default) follows weights", async () => {
    expect(tally(await hosts(lb({}, [3, 1]).svc, 40))).toEqual({ "a.test:81": 30, "b.test:82": 10 });
  });

  test("leasttime spreads a cold pool by weight, then prefers the faster server", async () => {
    const { client, svc } = lb({ strategy: "leasttime" }, [1, 1]);
    // b answers in 20 ms, a at once: a clear order whatever the machine's jitter.
    client.delayMs.set("b.test:82", 20);
    expect(tally(await hosts(svc, 2))).toEqual({ "a.test:81": 1, "b.test:82": 1 });
    client.delayMs.set("a.test:81", 300);
    // a still looks fastest, so it takes the next request; that 300 ms sample teaches otherwise.
    expect(await hosts(svc, 1)).toEqual(["a.test:81"]);
    expect(tally(await hosts(svc, 10))).toEqual({ "b.test:82": 10 });
  });
});

describe("loadBalancer: passive health check", () => {
  test("maxFailedAttempts failures within the window take a server out for the window, then it is tried again", async () => {
    const { client, svc } = lb({ passiveHealthCheck: { failureWindow: "150ms", maxFailedAttempts: 2 } });
    client.dead.add("b.test:82");
    const first = await hosts(svc, 4);
    // b failed twice (requests 2 and 4): out.
    expect(first.filter((h) => h.startsWith("Bad Gateway")).length).toBe(2);
    const b = svc.servers[1];
    expect(b.passiveDown).toBe(true);
    expect(new Set(await hosts(svc, 6))).toEqual(new Set(["a.test:81"]));
    client.dead.clear();
    const deadline = Date.now() + 2000;
    while (b.passiveDown && Date.now() < deadline) await Bun.sleep(10);
    expect(b.passiveDown).toBe(false);
    expect(tally(await hosts(svc, 4))).toEqual({ "a.test:81": 2, "b.test:82": 2 });
  });

  test("a single failure under maxFailedAttempts keeps the server in", async () => {
    const { client, svc } = lb({ passiveHealthCheck: { failureWindow: "10s", maxFailedAttempts: 3 } });
    client.dead.add("b.test:82");
    await hosts(svc, 4);
    expect(svc.servers[1].passiveDown).toBe(false);
    expect(svc.reportsHealth).toBe(true);
    expect(svc.isUp()).toBe(true);
  });

  test("a backend's own 5xx is an answer, not a failure", async () => {
    const { client, svc } = lb({ passiveHealthCheck: { maxFailedAttempts: 1 } });
    client.request = async () => new Response("oops", { status: 500 });
    await hosts(svc, 4);
    expect(svc.servers.map((s) => s.passiveDown)).toEqual([false, false]);
  });

  test("bad settings fall back to defaults with a warning", () => {
    const { svc } = lb({ passiveHealthCheck: { failureWindow: "soon", maxFailedAttempts: 0 } });
    expect(svc.warnings).toHaveLength(2);
  });
});
