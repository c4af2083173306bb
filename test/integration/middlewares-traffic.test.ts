// ipAllowList / ipWhiteList, rateLimit and inFlightReq through the real Sluice
// process, with a Bun.serve backend whose slow responses the test controls.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { waitFor } from "../harness/ports.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let sluice: RunningSluice;
let backend: Server<undefined>;
/** Open /slow bodies; the test ends them with finishSlow(). */
const slowBodies: ReadableStreamDefaultController<Uint8Array>[] = [];
const encoder = new TextEncoder();

function finishSlow(): void {
  for (const c of slowBodies.splice(0)) {
    try {
      c.enqueue(encoder.encode("end\n"));
      c.close();
    } catch {
      // the client went away and the stream was cancelled
    }
  }
}

beforeAll(async () => {
  backend = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    fetch(req) {
      if (new URL(req.url).pathname === "/slow") {
        // Headers and a first chunk at once, the rest when the test says: no Content-Length, so Sluice streams it.
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(encoder.encode("start\n"));
            slowBodies.push(c);
          },
        });
        return new Response(body, { headers: { "content-type": "text/plain" } });
      }
      return new Response("ok");
    },
  });
  const url = `http://127.0.0.1:${backend.port}`;
  const router = (name: string, host: string, mw: string) =>
    `    ${name}:\n      rule: "Host(\`${host}\`)"\n      middlewares: [${mw}]\n      service: app\n`;
  sluice = await startSluice({
    files: {
      "traffic.yml": `http:
  routers:
${router("allowed", "allowed.test", "local-only")}${router("refused", "refused.test", "ten-only")}${router("refused-404", "refused404.test", "ten-only-404")}${router("spoofed", "spoofed.test", "ten-by-xff")}${router("limited", "limited.test", "three-per-minute")}${router("single", "single.test", "one-at-a-time")}
  middlewares:
    local-only:
      ipAllowList: { sourceRange: ["127.0.0.1/32"] }
    ten-only:
      ipWhiteList: { sourceRange: ["10.0.0.0/8"] }
    ten-only-404:
      ipAllowList: { sourceRange: ["10.0.0.0/8"], rejectStatusCode: 404 }
    ten-by-xff:
      ipAllowList: { sourceRange: ["10.0.0.0/8"], ipStrategy: { depth: 1 } }
    three-per-minute:
      rateLimit: { average: 1, period: 1m, burst: 3 }
    one-at-a-time:
      inFlightReq: { amount: 1 }
  services:
    app:
      loadBalancer:
        servers: [{ url: "${url}" }]
`,
    },
  });
});

afterAll(async () => {
  finishSlow();
  await sluice?.stop();
  backend?.stop(true);
});

function get(host: string, path = "/", init: RequestInit = {}): Promise<Response> {
  return fetch(sluice.url("web", path), { ...init, headers: { host, ...(init.headers as Record<string, string>) } });
}

describe("ipAllowList / ipWhiteList", () => {
  test.each([
    ["allowed.test", {}, 200, "ok"],
    ["refused.test", {}, 403, "Forbidden"], // v2 name, same middleware
    ["refused404.test", {}, 404, "Not Found"], // rejectStatusCode
    // X-Forwarded-For from an untrusted peer is not believed: a client cannot claim 10.x
    ["spoofed.test", { "x-forwarded-for": "10.1.2.3" }, 403, "Forbidden"],
  ])("%p with headers %p answers %p", async (host, headers, status, body) => {
    const res = await get(host, "/", { headers });
    expect(res.status).toBe(status);
    expect((await res.text()).trim()).toBe(body);
  });
});

describe("rateLimit", () => {
  test("a burst of 3 goes through, then 429 with Retry-After", async () => {
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await get("limited.test");
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // One token a minute: the next is ~60 s away, rounded up to whole seconds.
    expect(Number(refused!.headers.get("retry-after"))).toBeOneOf([59, 60]);
    expect(refused!.headers.get("x-retry-in")).toMatch(/^(59\.\d+s|1m0s)$/);
  });
});

describe("inFlightReq", () => {
  test("while one response body is still streaming, a second request gets 429", async () => {
    const first = await get("single.test", "/slow");
    expect(first.status).toBe(200);
    const reader = first.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("start\n");

    const second = await get("single.test", "/slow");
    expect(second.status).toBe(429);
    expect((await second.text()).trim()).toBe("Too Many Requests");

    finishSlow();
    let rest = "";
    for (let i = 0; i < 10; i++) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe("end\n");
    // The slot was freed when the body ended: the next request is served.
    const third = await get("single.test", "/");
    expect([third.status, await third.text()]).toEqual([200, "ok"]);
  });

  test("a client that goes away mid-body frees its slot", async () => {
    const abort = new AbortController();
    const first = await get("single.test", "/slow", { signal: abort.signal });
    expect(first.status).toBe(200);
    abort.abort();
    const freed = await waitFor(async () => {
      const res = await get("single.test", "/");
      await res.arrayBuffer();
      return res.status === 200;
    }, 3000, 50);
    expect(freed).toBe(true);
    finishSlow();
  });
});
