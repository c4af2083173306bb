// weighted, sticky cookies, mirroring and failover through the real Sluice
// process, with real Bun.serve backends. One Sluice for the whole file.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { freePort, waitFor } from "../harness/ports.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let sluice: RunningSluice;
const servers: Server<undefined>[] = [];

interface Backend {
  url: string;
  /** Method, path and body of every request it received (health checks excluded). */
  seen: { method: string; path: string; body: string }[];
  /** What /health answers. */
  healthStatus: number;
}

/** A backend that answers with its name; /health answers `healthStatus`. */
function backend(name: string): Backend {
  const b: Backend = { url: "", seen: [], healthStatus: 200 };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/health") return new Response(null, { status: b.healthStatus });
      b.seen.push({ method: req.method, path: url.pathname, body: await req.text() });
      return new Response(name, { headers: { "x-backend": name } });
    },
  });
  servers.push(server);
  b.url = `http://127.0.0.1:${server.port}`;
  return b;
}

const v1 = backend("v1");
const v2 = backend("v2");
const mirror = backend("mirror");
const primary = backend("primary");
const backup = backend("backup");

beforeAll(async () => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const route = (name: string, host: string) => `    ${name}:\n      rule: "Host(\`${host}\`)"\n      service: ${name}\n`;
  sluice = await startSluice({
    files: {
      "services.yml": `
http:
  routers:
${route("canary", "canary.test")}${route("sticky", "sticky.test")}${route("sticky-canary", "sticky-canary.test")}${route("shadow", "shadow.test")}${route("fo", "fo.test")}
  services:
    v1: { loadBalancer: { servers: [{ url: "${v1.url}" }] } }
    v2: { loadBalancer: { servers: [{ url: "${v2.url}" }] } }
    canary:
      weighted: { services: [{ name: v1, weight: 3 }, { name: v2, weight: 1 }] }
    sticky:
      loadBalancer:
        servers: [{ url: "${v1.url}" }, { url: "${v2.url}" }]
        sticky: { cookie: { name: srv, httpOnly: true, sameSite: lax } }
    sticky-canary:
      weighted: { services: [{ name: v1 }, { name: v2 }], sticky: { cookie: {} } }
    mirror-svc: { loadBalancer: { servers: [{ url: "${mirror.url}" }] } }
    dead-svc: { loadBalancer: { servers: [{ url: "${dead}" }] } }
    shadow:
      mirroring:
        service: v1
        mirrors: [{ name: mirror-svc, percent: 100 }, { name: dead-svc, percent: 100 }]
    primary:
      loadBalancer:
        servers: [{ url: "${primary.url}" }]
        healthCheck: { path: /health, interval: 100ms, timeout: 500ms }
    backup: { loadBalancer: { servers: [{ url: "${backup.url}" }] } }
    fo: { failover: { service: primary, fallback: backup } }
`,
    },
  });
});

afterAll(async () => {
  await sluice?.stop();
  for (const s of servers) s.stop(true);
});

async function get(host: string, init: RequestInit & { path?: string } = {}): Promise<{ status: number; body: string; cookie: string | null }> {
  const res = await fetch(sluice.url("web", init.path ?? "/"), { ...init, headers: { host, ...(init.headers as Record<string, string>) } });
  return { status: res.status, body: await res.text(), cookie: res.headers.get("set-cookie") };
}

describe("weighted", () => {
  test("a 3:1 canary splits 200 requests by weight", async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const { body } = await get("canary.test");
      counts[body] = (counts[body] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(["v1", "v2"]);
    expect(Math.abs(counts.v1 - 150)).toBeLessThanOrEqual(10);
    expect(Math.abs(counts.v2 - 50)).toBeLessThanOrEqual(10);
  });
});

describe("sticky cookies", () => {
  for (const [host, cookieName] of [["sticky.test", /^srv=/], ["sticky-canary.test", /^_[0-9a-f]{5}=/]] as const) {
    test(`${host}: the first answer sets a cookie that pins later requests`, async () => {
      const first = await get(host);
      expect(first.cookie).toMatch(cookieName);
      const pair = first.cookie!.split(";")[0];
      for (let i = 0; i < 10; i++) {
        const next = await get(host, { headers: { cookie: pair } });
        expect(next.body).toBe(first.body);
        expect(next.cookie).toBeNull();
      }
      // Without the cookie the balancer moves on to the other backend.
      expect((await get(host)).body).not.toBe(first.body);
    });
  }

  test("the load balancer's cookie carries the requested attributes; an unknown value is replaced", async () => {
    const res = await get("sticky.test", { headers: { cookie: "srv=0000000000000000" } });
    expect(res.cookie).toMatch(/^srv=[0-9a-f]{16}; Path=\/; HttpOnly; SameSite=Lax$/);
  });
});

describe("mirroring", () => {
  test("the mirror gets a copy with the body; the client sees only the main answer; a dead mirror harms nothing", async () => {
    const before = mirror.seen.length;
    for (let i = 0; i < 3; i++) {
      const res = await get("shadow.test", { method: "POST", path: `/orders/${i}`, body: `order ${i}` });
      expect(res).toEqual({ status: 200, body: "v1", cookie: null });
    }
    expect(await waitFor(() => mirror.seen.length >= before + 3, 5000)).toBe(true);
    const copies = mirror.seen.slice(before).sort((a, b) => a.path.localeCompare(b.path));
    expect(copies).toEqual([0, 1, 2].map((i) => ({ method: "POST", path: `/orders/${i}`, body: `order ${i}` })));
    expect(v1.seen.filter((r) => r.path.startsWith("/orders/")).map((r) => r.body)).toContain("order 2");
  });
});

describe("failover", () => {
  const answerFor = async () => (await get("fo.test")).body;

  test("main answers while healthy, the fallback while main's health check fails, main again once it recovers", async () => {
    expect(await waitFor(async () => (await answerFor()) === "primary", 5000)).toBe(true);
    primary.healthStatus = 503;
    expect(await waitFor(async () => (await answerFor()) === "backup", 5000)).toBe(true);
    primary.healthStatus = 200;
    expect(await waitFor(async () => (await answerFor()) === "primary", 5000)).toBe(true);
  });
});
