import { describe, expect, test } from "bun:test";
import type { Handler } from "../../server/handler.ts";
import { buildKind, mustBuild, run } from "../testing.ts";
import { queryEscape } from "./index.ts";

// Behaviour follows Traefik's customerrors middleware: the error service gets
// a GET on the query path with the client's headers, and its page is answered
// with the original status (v3: the statusRewrites one).

interface PageCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  ctxPath: string;
}

/** The error service: answers "page <path>" and records what it got. */
function pages(): { handler: Handler; calls: PageCall[] } {
  const calls: PageCall[] = [];
  const handler: Handler = (req, ctx) => {
    const u = new URL(req.url);
    calls.push({ method: req.method, url: req.url, headers: Object.fromEntries(req.headers), ctxPath: ctx.path });
    ctx.originStatus = 200;
    return new Response(`page ${u.pathname}${u.search}`, { status: 200, headers: { "content-type": "text/html", "x-page": "1" } });
  };
  return { handler, calls };
}

/** A backend answering `status` with a body that must not reach the client. */
function answering(status: number, cancelled?: { value: boolean }): Handler {
  return (_req, ctx) => {
    ctx.originStatus = status;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new TextEncoder().encode("backend secret"));
        c.close();
      },
      cancel() {
        if (cancelled) cancelled.value = true;
      },
    });
    return new Response(body, { status, headers: { "x-backend-header": "1", "set-cookie": "a=b" } });
  };
}

function build(options: Record<string, unknown>, service = pages()) {
  const mw = mustBuild("errors", { service: "pages", ...options }, { service: (ref) => (ref === "pages" ? service.handler : undefined) });
  return { mw, calls: service.calls };
}

describe("errors: which statuses are caught", () => {
  test.each([
    [["500-599"], 500, true],
    [["500-599"], 599, true],
    [["500-599"], 499, false],
    [["404"], 404, true],
    [["404"], 200, false],
    [["401,403", "502"], 403, true], // comma-separated entries, as labels give them
    ["404,500-503", 502, true], // a single string is split on commas
    [["500-599"], 200, false],
  ])("status %p with a backend answering %p: page served = %p", async (status, code, served) => {
    const { mw, calls } = build({ status, query: "/{status}.html" });
    const { res } = await run(mw, "http://a.test/x", { next: answering(code) });
    expect(res.status).toBe(code);
    expect(calls.length).toBe(served ? 1 : 0);
    expect(await res.text()).toBe(served ? `page /${code}.html` : "backend secret");
  });

  test("Sluice's own 502 (backend unreachable, no origin status) is caught like Traefik's", async () => {
    const { mw } = build({ status: ["502"], query: "/down" });
    const unreachable: Handler = (_req, ctx) => {
      ctx.error = "dial failed";
      return new Response("Bad Gateway\n", { status: 502 });
    };
    const { res } = await run(mw, "http://a.test/", { next: unreachable });
    expect([res.status, await res.text()]).toEqual([502, "page /down"]);
  });
});

describe("errors: the error page", () => {
  test("keeps the original status, takes the page's headers and body, cancels the backend body", async () => {
    const cancelled = { value: false };
    const { mw } = build({ status: ["500-599"], query: "/{status}.html" });
    const { res } = await run(mw, "http://a.test/x", { next: answering(503, cancelled) });
    expect(res.status).toBe(503);
    expect(res.headers.get("x-page")).toBe("1");
    expect(res.headers.get("x-backend-header")).toBeNull();
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await res.text()).toBe("page /503.html");
    expect(cancelled.value).toBe(true);
  });

  test.each([
    ["/{status}.html", "http://a.test/p?q=1", "/500.html"],
    ["{status}.html", "http://a.test/p", "/500.html"], // Traefik adds the leading slash
    ["//errors/{status}", "http://a.test/p", "/errors/500"],
    ["", "http://a.test/p", "/"], // no query: the root page
    ["/e?code={status}&from={url}", "http://a.test/a b/c?x=1&y=(2)", "/e?code=500&from=%2Fa%2520b%2Fc%3Fx%3D1%26y%3D%282%29"],
    ["/e/{originalStatus}", "http://a.test/p", "/e/500"],
  ])("query %p for %p asks the error service for %p", async (query, url, want) => {
    const { mw, calls } = build({ status: ["500"], query });
    await run(mw, url, { next: answering(500) });
    expect(calls[0].method).toBe("GET");
    const u = new URL(calls[0].url);
    expect(u.pathname + u.search).toBe(want);
    expect(calls[0].ctxPath).toBe(want); // the proxy forwards ctx.path
  });

  test("the error service gets the client's headers but no body framing", async () => {
    const { mw, calls } = build({ status: ["500"] });
    const req = new Request("http://a.test/form", { method: "POST", body: "data", headers: { "x-client": "c", "content-type": "text/plain", host: "a.test" } });
    await run(mw, req, { next: answering(500) });
    expect(calls[0].method).toBe("GET");
    expect(calls[0].headers["x-client"]).toBe("c");
    expect(calls[0].headers.host).toBe("a.test");
    expect(calls[0].headers["content-length"]).toBeUndefined();
  });

  test("the request context keeps the client's path and the backend's status", async () => {
    const { mw } = build({ status: ["500"], query: "/oops" });
    const { ctx } = await run(mw, "http://a.test/orig?x=1", { next: answering(500) });
    expect([ctx.path, ctx.originStatus, ctx.method]).toEqual(["/orig?x=1", 500, "GET"]);
  });

  test("a HEAD request gets the status and headers without a body", async () => {
    const { mw } = build({ status: ["404"] });
    const { res } = await run(mw, new Request("http://a.test/", { method: "HEAD" }), { next: answering(404) });
    expect([res.status, res.headers.get("x-page"), res.body]).toEqual([404, "1", null]);
  });

  test("an error service that throws still answers the original status", async () => {
    const broken = { handler: (() => { throw new Error("boom"); }) as Handler, calls: [] };
    const { mw } = build({ status: ["500"] }, broken);
    const { res, ctx } = await run(mw, "http://a.test/", { next: answering(500) });
    expect(res.status).toBe(500);
    expect(ctx.error).toContain("boom");
  });

  test("a WebSocket upgrade on the serve front (no Response object) passes through", async () => {
    const { mw } = build({ status: ["500"] });
    const { res } = await run(mw, "http://a.test/", { next: () => undefined as unknown as Response });
    expect(res).toBeUndefined();
  });
});

describe("errors: statusRewrites (v3)", () => {
  test.each([
    [{ "418": 404 }, 418, 404, "/404?was=418"],
    [{ "502-504": 500 }, 503, 500, "/500?was=503"],
    [{ "502-504": "500" }, 504, 500, "/500?was=504"],
    [{ "418": 404 }, 500, 500, "/500?was=500"], // not rewritten: stays
    [{ "500-599": 503, "500": 502 }, 500, 502, "/502?was=500"], // a single code beats a range (Traefik: map order, random)
    [{ "500-599": 503, "500": 502 }, 501, 503, "/503?was=501"],
  ])("%p turns a caught %p into %p", async (statusRewrites, code, want, page) => {
    const { mw, calls } = build({ status: ["400-599"], statusRewrites, query: "/{status}?was={originalStatus}" });
    const { res } = await run(mw, "http://a.test/", { next: answering(code) });
    expect(res.status).toBe(want);
    const u = new URL(calls[0].url);
    expect(u.pathname + u.search).toBe(page);
  });
});

describe("errors: options", () => {
  test.each([
    [{ status: ["500"] }, "service", "is required"],
    [{ status: ["500"], service: "gone" }, "service", 'service "gone" does not exist'],
    [{ status: ["5xx"], service: "pages" }, "status[0]", "expected a status code or a range"],
    [{ status: ["600-500"], service: "pages" }, "status[0]", "ends before it starts"],
    [{ status: ["50-99"], service: "pages" }, "status[0]", "status codes go from 100 to 999"],
    [{ status: ["500"], service: "pages", statusRewrites: { abc: 404 } }, "statusRewrites.abc", "expected a status code or a range"],
    [{ status: ["500"], service: "pages", statusRewrites: { "500": 100 } }, "statusRewrites.500", "from 200 to 599"],
    [{ status: ["500"], service: "pages", statusRewrites: ["x"] }, "statusRewrites", "expected a mapping"],
    [{ status: ["500"], service: ["pages"] }, "service", "expected a string"],
  ])("%p is refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("errors", options, { service: (ref) => (ref === "pages" ? pages().handler : undefined) });
    expect(middleware).toBeUndefined();
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });

  test.each([
    [{ service: "pages" }, "status", "lists no status code"],
    [{ service: "pages", status: ["500"], querry: "/x" }, "querry", 'did you mean "query"'],
  ])("%p builds with a warning at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("errors", options, { service: () => pages().handler });
    expect(middleware).toBeDefined();
    expect(problems).toEqual([expect.objectContaining({ path, severity: "warning", message: expect.stringContaining(message) })]);
  });

  test("the service is resolved once, at build time", () => {
    const asked: string[] = [];
    buildKind("errors", { status: ["500"], service: "pages@file" }, { service: (ref) => (asked.push(ref), pages().handler) });
    expect(asked).toEqual(["pages@file"]);
  });

  test.each([
    ["/a b", "%2Fa+b"],
    ["!'()*~-_.", "%21%27%28%29%2A~-_."],
    ["/p?x=1&y=%2F", "%2Fp%3Fx%3D1%26y%3D%252F"],
  ])("{url} is escaped like Go's url.QueryEscape: %p -> %p", (input, want) => {
    expect(queryEscape(input)).toBe(want);
  });
});
