// Routing and forwarding through the real Sluice process, with real backends.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let sluice: RunningSluice;
const backends: Server<undefined>[] = [];

/** A backend that answers with its name and what it received. */
function echoBackend(name: string): string {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    fetch(req) {
      const url = new URL(req.url);
      return Response.json({ name, path: url.pathname + url.search, method: req.method, headers: Object.fromEntries(req.headers) });
    },
  });
  backends.push(server);
  return `http://127.0.0.1:${server.port}`;
}

beforeAll(async () => {
  const a = echoBackend("a");
  const b = echoBackend("b");
  const c = echoBackend("c");
  sluice = await startSluice({
    files: {
      "routes.yml": `
http:
  routers:
    host-a:
      rule: "Host(\`a.test\`)"
      service: a
    api-on-b:
      rule: "Host(\`b.test\`) && PathPrefix(\`/api\`)"
      service: b
    v2-syntax:
      ruleSyntax: v2
      rule: "Host(\`v2.test\`) && Path(\`/items/{id:[0-9]+}\`)"
      service: c
    header:
      rule: "Header(\`X-Tenant\`, \`blue\`) && Method(\`POST\`)"
      service: b
    weighted:
      rule: "Host(\`lb.test\`)"
      service: lb
    prefixed-backend:
      rule: "Host(\`prefix.test\`)"
      service: with-path
    no-pass-host:
      rule: "Host(\`nopass.test\`)"
      service: nopass
  services:
    a: { loadBalancer: { servers: [{ url: "${a}" }] } }
    b: { loadBalancer: { servers: [{ url: "${b}" }] } }
    c: { loadBalancer: { servers: [{ url: "${c}" }] } }
    lb: { loadBalancer: { servers: [{ url: "${a}", weight: 3 }, { url: "${b}", weight: 1 }] } }
    with-path: { loadBalancer: { servers: [{ url: "${c}/base/" }] } }
    nopass: { loadBalancer: { passHostHeader: false, servers: [{ url: "${c}" }] } }
`,
    },
  });
});

afterAll(async () => {
  await sluice?.stop();
  for (const b of backends) b.stop(true);
});

async function get(host: string, path = "/", init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(sluice.url("web", path), { ...init, headers: { host, ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain-text answer of Sluice's own
  }
  return { status: res.status, body };
}

describe("routing", () => {
  test.each([
    ["a.test", "/anything", "a"],
    ["A.TEST:8080", "/x", "a"],
    ["b.test", "/api/v1", "b"],
    ["v2.test", "/items/42", "c"],
  ])("%s%s goes to %s", async (host, path, backend) => {
    const { status, body } = await get(host, path);
    expect(status).toBe(200);
    expect(body.name).toBe(backend);
    expect(body.path).toBe(path);
  });

  test.each([
    ["b.test", "/other"],
    ["v2.test", "/items/abc"],
    ["unknown.test", "/"],
  ])("%s%s has no router: 404", async (host, path) => {
    const { status, body } = await get(host, path);
    expect(status).toBe(404);
    expect(body).toContain("404 page not found");
  });

  test("header and method matchers", async () => {
    const hit = await get("any.test", "/", { method: "POST", headers: { "x-tenant": "blue" } });
    expect(hit.body.name).toBe("b");
    const miss = await get("any.test", "/", { method: "GET", headers: { "x-tenant": "blue" } });
    expect(miss.status).toBe(404);
  });

  test("dot segments are cleaned before routing, so they cannot escape a PathPrefix", async () => {
    const res = await get("b.test", "/api/../secret");
    expect(res.status).toBe(404);
    const inside = await get("b.test", "/api/x/../y");
    expect(inside.body.path).toBe("/api/y");
  });

  test("weighted round robin spreads 3:1", async () => {
    const counts: Record<string, number> = { a: 0, b: 0 };
    for (let i = 0; i < 40; i++) counts[(await get("lb.test")).body.name]++;
    expect(counts).toEqual({ a: 30, b: 10 });
  });

  test("a server URL path is a prefix of the forwarded path", async () => {
    const { body } = await get("prefix.test", "/x?y=1");
    expect(body.path).toBe("/base/x?y=1");
  });
});

describe("forwarded headers", () => {
  test("X-Forwarded-* and X-Real-Ip are set; spoofed values from an untrusted client are replaced", async () => {
    const { body } = await get("a.test", "/", { headers: { "x-forwarded-for": "6.6.6.6", "x-real-ip": "6.6.6.6" } });
    const h = body.headers;
    expect(h["x-forwarded-for"]).toBe("127.0.0.1");
    expect(h["x-real-ip"]).toBe("127.0.0.1");
    expect(h["x-forwarded-proto"]).toBe("http");
    expect(h["x-forwarded-host"]).toBe("a.test");
    expect(h["x-forwarded-port"]).toBe(String(sluice.ports.web));
    expect(h["x-forwarded-server"]).toBeTruthy();
    expect(h.host).toBe("a.test");
  });

  // Traefik drops these at the entrypoint for untrusted peers; so do both fronts.
  test("forged X-Forwarded-Tls-Client-Cert headers from an untrusted client never reach the backend", async () => {
    const forged = { "x-forwarded-tls-client-cert": "forged", "x-forwarded-tls-client-cert-info": "Subject%3D%22CN%3Dadmin%22", "x-other": "kept" };
    const { body } = await get("a.test", "/", { headers: forged });
    expect(body.headers["x-forwarded-tls-client-cert"]).toBeUndefined();
    expect(body.headers["x-forwarded-tls-client-cert-info"]).toBeUndefined();
    expect(body.headers["x-other"]).toBe("kept");
  });

  test("passHostHeader: false sends the backend's own host", async () => {
    const { body } = await get("nopass.test");
    expect(body.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
