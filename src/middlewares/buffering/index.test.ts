import { describe, expect, test } from "bun:test";
import type { Handler } from "../../server/handler.ts";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";
import "./index.ts";

// Where Sluice differs from Traefik (oxy buffer):
// - IsNetworkError() is true only for Sluice's own 502/504 (no response from
//   the backend); oxy also counts a backend's own 502/504.

/** A body that arrives in chunks with no Content-Length (chunked upload). */
function chunked(text: string, size = 100): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size));
      c.close();
    },
  });
}

const post = (body: ReadableStream<Uint8Array> | string, headers: Record<string, string> = {}) =>
  new Request("http://a.test/up", { method: "POST", body, headers, duplex: "half" } as RequestInit);

describe("buffering requests", () => {
  test.each([
    // options, body size, streamed?, status
    [{ maxRequestBodyBytes: 1000 }, 1000, false, 200],
    [{ maxRequestBodyBytes: 1000 }, 1001, false, 413],
    [{ maxRequestBodyBytes: 1000 }, 1000, true, 200],
    [{ maxRequestBodyBytes: 1000 }, 1001, true, 413],
    [{ maxRequestBodyBytes: 0 }, 50_000, true, 200], // 0: no limit
    [{}, 50_000, false, 200],
  ] as [Record<string, unknown>, number, boolean, number][])("%p with a body of %p bytes (chunked %p) answers %p", async (options, size, streamed, status) => {
    const text = "b".repeat(size);
    let calls = 0;
    const next: Handler = async (req, ctx, conn) => (calls++, (await import("../testing.ts")).echoHandler(req, ctx, conn));
    const { res } = await run(mustBuild("buffering", options), post(streamed ? chunked(text) : text), { next });
    expect(res.status).toBe(status);
    expect(calls).toBe(status === 413 ? 0 : 1);
    if (status === 200) {
      const e = (await echoed(res))!;
      expect(e.body).toBe(text);
      expect(e.headers["content-length"]).toBe(String(size));
      expect(e.headers["transfer-encoding"]).toBeUndefined();
    }
  });

  test("a declared Content-Length over the limit is refused before reading", async () => {
    let pulled = false;
    const body = new ReadableStream<Uint8Array>({ pull(c) { pulled = true; c.enqueue(new Uint8Array(10)); c.close(); } }, { highWaterMark: 0 });
    const { res, ctx } = await run(mustBuild("buffering", { maxRequestBodyBytes: 5 }), post(body, { "content-length": "10" }));
    expect([res.status, pulled]).toEqual([413, false]);
    expect(ctx.error).toContain("maxRequestBodyBytes");
  });

  test("a GET without a body goes through", async () => {
    const { res } = await run(mustBuild("buffering", { maxRequestBodyBytes: 1 }), "http://a.test/");
    expect((await echoed(res))!.method).toBe("GET");
  });
});

describe("buffering responses", () => {
  const answerWith = (size: number, streamed: boolean): Handler => (_req, ctx) => {
    ctx.originStatus = 200;
    const text = "r".repeat(size);
    return new Response(streamed ? chunked(text) : text);
  };

  test.each([
    [{ maxResponseBodyBytes: 500 }, 500, true, 200],
    [{ maxResponseBodyBytes: 500 }, 501, true, 500],
    [{ maxResponseBodyBytes: 500 }, 501, false, 500],
    [{ maxResponseBodyBytes: 0 }, 100_000, true, 200],
  ] as [Record<string, unknown>, number, boolean, number][])("%p with an answer of %p bytes (chunked %p) gives %p", async (options, size, streamed, status) => {
    const { res } = await run(mustBuild("buffering", options), "http://a.test/", { next: answerWith(size, streamed) });
    expect(res.status).toBe(status);
    const text = await res.text();
    if (status === 200) {
      expect(text.length).toBe(size);
      expect(res.headers.get("content-length")).toBe(String(size));
    }
  });
});

describe("retryExpression", () => {
  type Step = "net" | 500 | 200;
  const scripted = (steps: Step[], bodies: string[]): Handler => {
    let i = 0;
    return async (req, ctx) => {
      const step = steps[Math.min(i++, steps.length - 1)]!;
      bodies.push(req.body ? await req.text() : "");
      if (step === "net") {
        ctx.error = "refused";
        return new Response("Bad Gateway\n", { status: 502 });
      }
      ctx.originStatus = step;
      return new Response(`status ${step}`, { status: step });
    };
  };

  test.each([
    ["IsNetworkError() && Attempts() < 2", ["net", 200], 200, 2],
    ["IsNetworkError() && Attempts() < 2", ["net", "net", 200], 502, 2],
    ["IsNetworkError() && Attempts() <= 3", ["net", "net", "net", 200], 200, 4],
    ["ResponseCode() >= 500 && Attempts() < 3", [500, 500, 200], 200, 3],
    ["ResponseCode() == 500 || IsNetworkError()", ["net", 500, 500], 500, 10], // capped at 10 attempts
    ["IsNetworkError()", [500, 200], 500, 1], // a backend's own 5xx is not a network error
  ] as [string, Step[], number, number][])("%p over %p answers %p after %p attempts, each with the whole body", async (retryExpression, steps, status, attempts) => {
    const bodies: string[] = [];
    const { res } = await run(mustBuild("buffering", { retryExpression }), post(chunked("payload".repeat(50))), { next: scripted(steps, bodies) });
    expect(res.status).toBe(status);
    expect(bodies.length).toBe(attempts);
    expect(new Set(bodies)).toEqual(new Set(["payload".repeat(50)]));
  });
});

describe("buffering options", () => {
  test.each([
    [{ maxRequestBodyBytes: -1 }, "maxRequestBodyBytes", ">= 0"],
    [{ memRequestBodyBytes: "lots" }, "memRequestBodyBytes", "expected an integer"],
    [{ maxResponseBodyBytes: 1.5 }, "maxResponseBodyBytes", "expected an integer"],
    [{ memResponseBodyBytes: -5 }, "memResponseBodyBytes", ">= 0"],
    [{ retryExpression: "Attempts() <" }, "retryExpression", "at position 13"],
    [{ retryExpression: "NetworkErrorRatio() > 0" }, "retryExpression", 'unknown function "NetworkErrorRatio"'],
    [{ retryExpression: "Attempts()" }, "retryExpression", "gives a number"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("buffering", options);
    expect(middleware).toBeUndefined();
    expect(problems[0]!.path).toBe(path);
    expect(problems[0]!.message).toContain(message);
  });

  test("all options accepted, numbers may be quoted", () => {
    const { middleware, problems } = buildKind("buffering", {
      maxRequestBodyBytes: "2000000", memRequestBodyBytes: 1000, maxResponseBodyBytes: 0, memResponseBodyBytes: 10, retryExpression: "IsNetworkError() && Attempts() < 2",
    });
    expect(middleware).toBeDefined();
    expect(problems).toEqual([]);
  });
});
