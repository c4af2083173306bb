// ipAllowList / ipWhiteList, rateLimit and inFlightReq through the real Sluice
// process, with a Bun.serve backend whose slow responses the test controls.
// Every router's chain holds only these kinds, so on the raw front (default)
// their raw forms serve it; with SLUICE_FRONT=serve, their Request forms.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { freePort, waitFor } from "../harness/ports.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let sluice: RunningSluice;
let backend: Server<undefined>;
/** Open /slow bodies; the test ends them with finishSlow(). */
const slowBodies: ReadableStreamDefaultController<Uint8Array>[] = [];
const encoder = new TextEncoder();
/**
 * The raw forms write the reason phrase; the Request bridge of the raw front
 * writes none. Seeing it on the raw front proves the raw form answered.
 */
const RAW_FRONT = process.env.SLUICE_FRONT !== "serve";
function expectRawReason(res: Response, reason: string): void {
  if (RAW_FRONT) expect(res.statusText).toBe(reason);
}

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
  const deadUrl = `http://127.0.0.1:${await freePort()}`; // nothing listens: 502
  const router = (name: string, host: string, mw: string, service = "app") =>
    `    ${name}:\n      rule: "Host(\`${host}\`)"\n      middlewares: [${mw}]\n      service: ${service}\n`;
  sluice = await startSluice({
    files: {
      "traffic.yml": `http:
  routers:
${router("allowed", "allowed.test", "local-only")}${router("refused", "refused.test", "ten-only")}${router("refused-404", "refused404.test", "ten-only-404")}${router("spoofed", "spoofed.test", "ten-by-xff")}${router("limited", "limited.test", "three-per-minute")}${router("single", "single.test", "one-at-a-time")}${router("keyed", "keyed.test", "one-per-key")}${router("guarded", "guarded.test", "local-only, two-per-minute, one-at-a-time")}${router("single-limited", "single-limited.test", "one-at-a-time, one-per-minute")}${router("single-dead", "single-dead.test", "one-at-a-time", "dead")}
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
    one-per-key:
      rateLimit: { average: 1, period: 1m, burst: 1, sourceCriterion: { requestHeaderName: X-Api-Key } }
    two-per-minute:
      rateLimit: { average: 1, period: 1m, burst: 2 }
    one-per-minute:
      rateLimit: { average: 1, period: 1m, burst: 1 }
  services:
    app:
      loadBalancer:
        servers: [{ url: "${url}" }]
    dead:
      loadBalancer:
        servers: [{ url: "${deadUrl}" }]
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
    if (status !== 200) expectRawReason(res, body);
    if (status !== 200) expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  });

  test("HEAD gets the refusal's status and no body", async () => {
    const res = await get("refused.test", "/", { method: "HEAD" });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe("");
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
    expectRawReason(refused!, "Too Many Requests");
  });

  test("requestHeaderName: each key has its own bucket", async () => {
    const statuses: number[] = [];
    for (const key of ["k1", "k1", "k2"]) {
      const res = await get("keyed.test", "/", { headers: { "x-api-key": key } });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 429, 200]);
  });

  test("a chain of ipAllowList, rateLimit and inFlightReq: the limit answers in the middle", async () => {
    const got: [number, string | null][] = [];
    for (let i = 0; i < 3; i++) {
      const res = await get("guarded.test");
      got.push([res.status, res.headers.get("retry-after")]);
      await res.arrayBuffer();
    }
    expect(got[0]).toEqual([200, null]);
    expect(got[1]).toEqual([200, null]);
    expect(got[2][0]).toBe(429);
    expect(Number(got[2][1])).toBeGreaterThan(0);
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

describe("inFlightReq frees its slot whenever the response is over", () => {
  test("when a later middleware answers (rateLimit's 429)", async () => {
    // The inFlightReq 429 has no Retry-After; rateLimit's has. A leaked slot would turn the third into the former.
    const got: [number, string | null][] = [];
    for (let i = 0; i < 3; i++) {
      const res = await get("single-limited.test");
      got.push([res.status, res.headers.get("retry-after")]);
      await res.arrayBuffer();
    }
    expect(got.map(([s]) => s)).toEqual([200, 429, 429]);
    expect(got[1][1]).not.toBeNull();
    expect(got[2][1]).not.toBeNull();
  });

  test("when the upstream cannot be reached (502)", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await get("single-dead.test");
      await res.arrayBuffer();
      expect(res.status).toBe(502);
    }
  });
});
