import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../../net/ip-range.ts";
import type { ConnInfo, Handler, RawRouteHandler } from "../../server/handler.ts";
import type { HeaderList } from "../../server/raw/http1-head.ts";
import { answerRaw } from "../raw-view.ts";
import { mustBuildRaw, runRaw, type RawForwarded } from "../raw-testing.ts";
import { mustBuild, run } from "../testing.ts";
import "./index.ts";

// The raw form of `headers` must behave exactly like the Request form: each
// case runs through both and compares what the backend got and what the
// client got. A few raw-only checks follow (duplicates, names, Sluice's own
// answers, done called once).

const TRUSTED: Partial<ConnInfo> = { trust: { insecure: true, trusted: IpRangeList.parse([]).list } };
const HTTPS: Partial<ConnInfo> = { scheme: "https" };

interface Case {
  options: Record<string, unknown>;
  method?: string;
  path?: string;
  host?: string;
  headers?: HeaderList;
  conn?: Partial<ConnInfo>;
  /** Headers the backend answers with (a content-type is always added, so neither form invents one). */
  backend?: HeaderList;
}

interface Outcome {
  status: number;
  headers: Record<string, string>;
  body: string;
  forwarded: { path: string; headers: Record<string, string> } | null;
  error: string | undefined;
}

/** Lower-cased names, values joined as Headers.get joins them; framing left out. */
function normalize(list: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of list) {
    const name = k.toLowerCase();
    if (name === "content-length") continue;
    out[name] = name in out ? `${out[name]}, ${v}` : v;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const backendHeaders = (c: Case): HeaderList => [["Content-Type", "text/plain"], ...(c.backend ?? [])];

async function viaRequest(c: Case): Promise<Outcome> {
  const host = c.host ?? "a.test";
  const headers = new Headers([["host", host], ...(c.headers ?? [])]);
  let forwarded: Outcome["forwarded"] = null;
  const next: Handler = (req) => {
    const url = new URL(req.url);
    forwarded = { path: url.pathname + url.search, headers: normalize(req.headers) };
    return new Response("backend", { headers: backendHeaders(c) });
  };
  const req = new Request(`http://${host}${c.path ?? "/"}`, { method: c.method ?? "GET", headers });
  const { res, ctx } = await run(mustBuild("headers", c.options), req, { conn: c.conn, next });
  // Both fronts send no body for HEAD.
  const body = req.method === "HEAD" ? "" : await res.text();
  return { status: res.status, headers: normalize(res.headers), body, forwarded, error: ctx.error };
}

/** A raw next handler that records what it got and answers 200 with `headers`. */
function rawBackend(into: { forwarded: RawForwarded | null }, headers: HeaderList): RawRouteHandler {
  return (ex, ctx, _conn, done) => {
    into.forwarded = { headers: ex.head.headers.map(([k, v]) => [k, v] as [string, string]), path: ctx.forwardPath ?? ctx.path };
    answerRaw(ex, ctx, 200, "OK", headers.map(([k, v]) => [k, v] as [string, string]), "backend", done);
  };
}

async function viaRaw(c: Case): Promise<Outcome> {
  const into: { forwarded: RawForwarded | null } = { forwarded: null };
  const r = await runRaw(
    mustBuildRaw("headers", c.options),
    { method: c.method, path: c.path, host: c.host ?? "a.test", headers: c.headers },
    { conn: c.conn, next: rawBackend(into, backendHeaders(c)) },
  );
  expect(r.doneCalls).toBe(1);
  const res = r.ex.response!;
  expect(r.ctx.downstreamStatus).toBe(res.status);
  const fw = into.forwarded as RawForwarded | null;
  return {
    status: res.status,
    headers: normalize(res.headers),
    body: res.body,
    forwarded: fw && { path: fw.path, headers: normalize(fw.headers) },
    error: r.ctx.error,
  };
}

const CORS = {
  accessControlAllowCredentials: true,
  accessControlAllowHeaders: ["Content-Type", "X-Token"],
  accessControlAllowMethods: ["GET", "POST"],
  accessControlAllowOriginList: ["https://app.test"],
  accessControlExposeHeaders: ["X-Total"],
  accessControlMaxAge: 600,
  addVaryHeader: true,
};

const cases: [string, Case][] = [
  ["custom request headers: add, replace, remove", {
    options: { customRequestHeaders: { "X-Added": "yes", "X-Replaced": "new", "X-Removed": "" } },
    headers: [["X-Replaced", "old"], ["x-removed", "gone"], ["X-Kept", "1"]],
  }],
  ["custom Host request header", { options: { customRequestHeaders: { Host: "backend.internal" } } }],
  ["custom response headers over the backend's", {
    options: { customResponseHeaders: { "X-Resp": "r", Server: "sluice", "X-Powered-By": "" } },
    backend: [["Server", "nginx"], ["X-Powered-By", "php"], ["X-Other", "1"]],
  }],
  ["security headers on http (HSTS left out)", {
    options: { frameDeny: true, contentTypeNosniff: true, browserXssFilter: true, stsSeconds: 60, referrerPolicy: "no-referrer", contentSecurityPolicy: "default-src 'self'" },
  }],
  ["HSTS and Public-Key-Pins on https", { options: { stsSeconds: 60, stsIncludeSubdomains: true, stsPreload: true, publicKey: "pin" }, conn: HTTPS }],
  ["forced HSTS on http", { options: { stsSeconds: 60, forceSTSHeader: true } }],
  ["custom response headers remove a security header", { options: { frameDeny: true, customResponseHeaders: { "X-Frame-Options": "" } } }],
  ["CORS preflight, allowed origin", {
    options: CORS, method: "OPTIONS", path: "/api", headers: [["Origin", "https://app.test"], ["Access-Control-Request-Method", "POST"]],
  }],
  ["CORS preflight, other origin", {
    options: CORS, method: "OPTIONS", headers: [["Origin", "https://evil.test"], ["Access-Control-Request-Method", "POST"]],
  }],
  ["CORS: OPTIONS without Access-Control-Request-Method is forwarded", { options: CORS, method: "OPTIONS", headers: [["Origin", "https://app.test"]] }],
  ["CORS simple request, allowed origin, backend Vary", { options: CORS, headers: [["Origin", "https://app.test"]], backend: [["Vary", "Accept-Encoding"]] }],
  ["CORS simple request, other origin", { options: CORS, headers: [["Origin", "https://evil.test"]] }],
  ["CORS wildcard without Origin", { options: { accessControlAllowOriginList: ["*"], addVaryHeader: true }, backend: [["Vary", "Origin"]] }],
  ["CORS regex origin", { options: { accessControlAllowOriginListRegex: ["^https://[a-z]+\\.example\\.com$"] }, headers: [["Origin", "https://x.example.com"]] }],
  ["allowedHosts: listed", { options: { allowedHosts: ["a.test"], frameDeny: true } }],
  ["allowedHosts: other host gets 400", { options: { allowedHosts: ["a.test"], frameDeny: true }, host: "b.test" }],
  ["allowedHosts: HEAD gets 400 without a body", { options: { allowedHosts: ["a.test"] }, method: "HEAD", host: "b.test" }],
  ["allowedHosts via hostsProxyHeaders, untrusted peer", {
    options: { allowedHosts: ["a.test"], hostsProxyHeaders: ["X-Forwarded-Host"] }, host: "b.test", headers: [["X-Forwarded-Host", "a.test"]],
  }],
  ["allowedHosts via hostsProxyHeaders, trusted peer", {
    options: { allowedHosts: ["a.test"], hostsProxyHeaders: ["X-Forwarded-Host"] }, host: "b.test", headers: [["X-Forwarded-Host", "a.test"]], conn: TRUSTED,
  }],
  ["allowedHosts with a custom Host request header", { options: { allowedHosts: ["a.test"], customRequestHeaders: { Host: "a.test" } }, host: "b.test" }],
  ["sslProxyHeaders: untrusted X-Forwarded-Proto is ignored", { options: { stsSeconds: 1, sslProxyHeaders: { "X-Forwarded-Proto": "https" } }, headers: [["X-Forwarded-Proto", "https"]] }],
  ["sslProxyHeaders: trusted X-Forwarded-Proto counts", {
    options: { stsSeconds: 1, sslProxyHeaders: { "X-Forwarded-Proto": "https" } }, headers: [["X-Forwarded-Proto", "https"]], conn: TRUSTED,
  }],
  ["sslProxyHeaders: a header Traefik does not rewrite", { options: { stsSeconds: 1, sslProxyHeaders: { "X-Forwarded-Ssl": "on" } }, headers: [["X-Forwarded-Ssl", "on"]] }],
  ["sslProxyHeaders set by customRequestHeaders", { options: { stsSeconds: 1, sslProxyHeaders: { "X-Forwarded-Proto": "https" }, customRequestHeaders: { "X-Forwarded-Proto": "https" } } }],
  ["sslRedirect keeps path and query", { options: { sslRedirect: true }, path: "/p?q=1" }],
  ["sslTemporaryRedirect to sslHost", { options: { sslRedirect: true, sslTemporaryRedirect: true, sslHost: "secure.test" }, path: "/p" }],
  ["sslHost fixes an http Location on https", { options: { sslHost: "secure.test" }, conn: HTTPS, backend: [["Location", "http://secure.test/next"]] }],
];

describe("headers: the raw form behaves as the Request form", () => {
  test.each(cases)("%s", async (_name, c) => {
    const [viaReq, viaRawFront] = [await viaRequest(c), await viaRaw(c)];
    expect(viaRawFront).toEqual(viaReq);
  });

  test("the comparison can fail: a different option gives a different outcome", async () => {
    const a = await viaRaw({ options: { frameDeny: true } });
    const b = await viaRequest({ options: { customFrameOptionsValue: "SAMEORIGIN" } });
    expect(a).not.toEqual(b);
  });
});

describe("headers: raw form details", () => {
  test("a request header sent twice is replaced by one line, names as configured", async () => {
    const r = await runRaw(mustBuildRaw("headers", { customRequestHeaders: { "X-Tenant": "t1" } }), {
      headers: [["x-tenant", "evil"], ["Accept", "*/*"], ["X-TENANT", "evil2"]],
    });
    expect(r.forwarded!.headers).toEqual([["Host", "a.test"], ["X-Tenant", "t1"], ["Accept", "*/*"]]);
  });

  test("a preflight is answered without calling next", async () => {
    const r = await runRaw(mustBuildRaw("headers", CORS), {
      method: "OPTIONS", headers: [["Origin", "https://app.test"], ["Access-Control-Request-Method", "GET"]],
    });
    expect([r.forwarded, r.ex.response!.status, r.ex.response!.body, r.doneCalls]).toEqual([null, 200, "", 1]);
  });

  test("Sluice's own answers behind the middleware (a 502) get the response headers too", async () => {
    const failing: RawRouteHandler = (ex, ctx, _conn, done) => answerRaw(ex, ctx, 502, "Bad Gateway", [], "Bad Gateway\n", done);
    const r = await runRaw(mustBuildRaw("headers", { frameDeny: true, customResponseHeaders: { "X-Resp": "r" } }), {}, { next: failing });
    expect(r.ex.response!.status).toBe(502);
    expect(r.ex.response!.headers).toEqual([["X-Frame-Options", "DENY"], ["X-Resp", "r"]]);
  });

  test("the Origin seen on the way in is the one answered, per request", async () => {
    const mw = mustBuildRaw("headers", { accessControlAllowOriginList: ["https://a.test", "https://b.test"] });
    const [a, b] = await Promise.all([
      runRaw(mw, { headers: [["Origin", "https://a.test"]] }),
      runRaw(mw, { headers: [["Origin", "https://b.test"]] }),
    ]);
    expect(a.ex.response!.headers).toContainEqual(["Access-Control-Allow-Origin", "https://a.test"]);
    expect(b.ex.response!.headers).toContainEqual(["Access-Control-Allow-Origin", "https://b.test"]);
  });

  test("only request headers configured: the response passes unchanged", async () => {
    const r = await runRaw(mustBuildRaw("headers", { customRequestHeaders: { "X-A": "1" } }));
    expect(r.ex.response!.headers).toEqual([["content-type", "text/plain"]]);
    expect(r.forwarded!.headers).toContainEqual(["X-A", "1"]);
  });
});
