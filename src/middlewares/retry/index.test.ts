import { afterAll, describe, expect, test } from "bun:test";
import type { Handler } from "../../server/handler.ts";
import { freePort } from "../../../test/harness/ports.ts";
import { buildKind, mustBuild, run } from "../testing.ts";
import { backoffDelayMs } from "./index.ts";

// Sluice differs from Traefik on purpose in one way: Traefik stops retrying as
// soon as the request headers were written to a backend (httptrace), so a
// connection reset after that is never retried. Sluice cannot observe that
// point through its upstream client; it retries any answer-less failure of a
// request without a body, and a request with a body only while no attempt has
// read from it. A 503 "no healthy server" is not retried (as in Traefik).

type Outcome = "refused" | "refused-after-read" | "reset-after-body" | "no-server" | "ok" | "500";

/** A fake service: each call plays the next outcome, the way the proxy reports it on ctx. */
function scripted(outcomes: Outcome[], seen: { bodies: string[] } = { bodies: [] }): Handler {
  let i = 0;
  return async (req, ctx) => {
    const outcome = outcomes[Math.min(i++, outcomes.length - 1)]!;
    if (outcome === "refused") {
      ctx.error = "refused: connection refused";
      ctx.serviceUrl = "http://10.0.0.1/";
      return new Response("Bad Gateway\n", { status: 502 });
    }
    if (outcome === "refused-after-read") {
      // The fetch client pipes the body eagerly, before the dial fails.
      const reader = req.body!.getReader();
      for (let i = 0; i < 3; i++) if ((await reader.read()).done) break;
      ctx.error = "refused: ECONNREFUSED";
      return new Response("Bad Gateway\n", { status: 502 });
    }
    if (outcome === "reset-after-body") {
      // The upstream client read (part of) the body before the connection died.
      await req.body?.getReader().read();
      ctx.error = "reset: upstream closed the connection";
      return new Response("Bad Gateway\n", { status: 502 });
    }
    if (outcome === "no-server") {
      ctx.error = "no healthy server available";
      return new Response("Service Unavailable\n", { status: 503 });
    }
    seen.bodies.push(req.body ? await req.text() : "");
    ctx.originStatus = outcome === "ok" ? 200 : 500;
    return new Response(outcome, { status: ctx.originStatus });
  };
}

describe("retry", () => {
  test.each([
    // attempts, outcomes, status, retryAttempts, calls
    [1, ["refused", "ok"], 502, 0, 1],
    [2, ["refused", "ok"], 200, 1, 2],
    [4, ["refused", "refused", "refused", "ok"], 200, 3, 4],
    [3, ["refused", "refused", "refused", "ok"], 502, 2, 3],
    [3, ["500", "ok"], 500, 0, 1], // a backend's own answer is final
    [3, ["no-server", "ok"], 503, 0, 1],
  ] as [number, Outcome[], number, number, number][])("attempts %p over %p answers %p after %p retries", async (attempts, outcomes, status, retries, calls) => {
    let count = 0;
    const inner = scripted(outcomes);
    const next: Handler = (req, ctx, conn) => (count++, inner(req, ctx, conn));
    const { res, ctx } = await run(mustBuild("retry", { attempts }), "http://a.test/x", { next });
    expect(res.status).toBe(status);
    expect(ctx.retryAttempts).toBe(retries);
    expect(count).toBe(calls);
  });

  test("a failed attempt's context fields are reset before the next one", async () => {
    const { ctx } = await run(mustBuild("retry", { attempts: 2 }), "http://a.test/", { next: scripted(["refused", "ok"]) });
    expect(ctx.error).toBeUndefined();
    expect(ctx.serviceUrl).toBeUndefined();
    expect(ctx.originStatus).toBe(200);
  });

  test("a body nobody read is sent whole on the next attempt", async () => {
    const seen = { bodies: [] as string[] };
    const req = new Request("http://a.test/", { method: "POST", body: "payload-123" });
    const { res, ctx } = await run(mustBuild("retry", { attempts: 3 }), req, { next: scripted(["refused", "ok"], seen) });
    expect(res.status).toBe(200);
    expect(ctx.retryAttempts).toBe(1);
    expect(seen.bodies).toEqual(["payload-123"]);
  });

  test.each([
    // body size, chunk size, retried?
    [1000, 100, true],
    [64 * 1024, 16 * 1024, true],
    [200 * 1024, 64 * 1024, false], // more than 64 KiB read ahead: not kept, not re-sent
  ])("refused after the client read ahead: a %p byte body in %p byte chunks is retried: %p", async (size, chunk, retried) => {
    const seen = { bodies: [] as string[] };
    const text = "q".repeat(size);
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += chunk) c.enqueue(bytes.slice(i, i + chunk));
        c.close();
      },
    });
    const req = new Request("http://a.test/", { method: "POST", body: stream, duplex: "half" } as RequestInit);
    const { res, ctx } = await run(mustBuild("retry", { attempts: 2 }), req, { next: scripted(["refused-after-read", "ok"], seen) });
    expect(res.status).toBe(retried ? 200 : 502);
    expect(ctx.retryAttempts).toBe(retried ? 1 : 0);
    if (retried) expect(seen.bodies[0]!.length).toBe(size);
    if (retried) expect(seen.bodies[0]).toBe(text);
  });

  test("a body an attempt started to send is never sent again", async () => {
    const req = new Request("http://a.test/", { method: "POST", body: "payload" });
    const { res, ctx } = await run(mustBuild("retry", { attempts: 3 }), req, { next: scripted(["reset-after-body", "ok"]) });
    expect(res.status).toBe(502);
    expect(ctx.retryAttempts).toBe(0);
  });

  test("a request without a body is retried after a reset", async () => {
    const { res, ctx } = await run(mustBuild("retry", { attempts: 3 }), "http://a.test/", { next: scripted(["reset-after-body", "ok"]) });
    expect([res.status, ctx.retryAttempts]).toEqual([200, 1]);
  });

  test("initialInterval waits between attempts", async () => {
    const started = performance.now();
    await run(mustBuild("retry", { attempts: 3, initialInterval: "40ms" }), "http://a.test/", { next: scripted(["refused", "refused", "ok"]) });
    // Two waits of at least 0.5 x 40 ms and 0.5 x 40 x 2^(1/2) ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  test("a client abort during the backoff ends the retries", async () => {
    const abort = new AbortController();
    const req = new Request("http://a.test/", { signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    let calls = 0;
    const inner = scripted(["refused"]);
    const started = performance.now();
    const { res } = await run(mustBuild("retry", { attempts: 5, initialInterval: "1s" }), req, { next: (r, c, k) => (calls++, inner(r, c, k)) });
    expect(res.status).toBe(502);
    expect(calls).toBe(1);
    expect(performance.now() - started).toBeLessThan(400);
  });

  test.each([
    // retry, attempts, initial, random, want
    [1, 4, 100, 0.5, 100],
    [2, 4, 100, 0.5, 100 * 2 ** (1 / 3)],
    [3, 4, 100, 0.5, 100 * 2 ** (2 / 3)],
    [1, 4, 100, 0, 50],
    [1, 4, 100, 1, 150],
    [1, 1, 100, 0.5, 0],
    [1, 3, 0, 0.5, 0],
  ])("backoff for retry %p of %p from %pms (random %p) is %pms", (retry, attempts, initial, random, want) => {
    expect(backoffDelayMs(retry, attempts, initial, () => random)).toBeCloseTo(want, 6);
  });

  test.each([
    [{}, "attempts", "is required"],
    [{ attempts: 0 }, "attempts", "expected an integer >= 1"],
    [{ attempts: 1.5 }, "attempts", "expected an integer"],
    [{ attempts: 2, initialInterval: "soon" }, "initialInterval", "expected a duration"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("retry", options);
    expect(middleware).toBeUndefined();
    expect(problems[0]!.path).toBe(path);
    expect(problems[0]!.message).toContain(message);
  });

  test("numbers may be quoted, durations bare seconds; unknown keys warn", () => {
    const { middleware, problems } = buildKind("retry", { attempts: "3", initialInterval: 1, atempts: 2 });
    expect(middleware).toBeDefined();
    expect(problems.map((p) => p.path)).toEqual(["atempts"]);
  });
});

describe("retry with a real upstream fetch", () => {
  const backend = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (req) => new Response(`got:${await req.text()}`) });
  afterAll(() => backend.stop(true));

  test("connection refused, then a live backend: the body reaches it whole", async () => {
    const refused = await freePort();
    const targets = [`http://127.0.0.1:${refused}/`, `http://127.0.0.1:${backend.port}/`];
    let i = 0;
    const next: Handler = async (req, ctx) => {
      const url = targets[Math.min(i++, 1)]!;
      try {
        const res = await fetch(url, { method: req.method, body: req.body, duplex: "half" } as RequestInit);
        ctx.originStatus = res.status;
        return res;
      } catch (e) {
        ctx.error = String(e);
        return new Response("Bad Gateway", { status: 502 });
      }
    };
    const req = new Request("http://a.test/", { method: "PUT", body: "x".repeat(100_000) });
    const { res, ctx } = await run(mustBuild("retry", { attempts: 2 }), req, { next });
    expect(res.status).toBe(200);
    expect(ctx.retryAttempts).toBe(1);
    expect((await res.text()).length).toBe(4 + 100_000);
  });
});
