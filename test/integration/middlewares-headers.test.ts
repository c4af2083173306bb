// headers, errors and contentType middlewares through the real Sluice process:
// headers seen by the backend and by the client, a CORS preflight answered
// without reaching the backend, allowed hosts, and an error page from a
// second backend. Routers whose only middleware is `headers` take its raw
// form on the raw front (the default) and the Request form with
// SLUICE_FRONT=serve: the same expectations hold on both.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { freePort } from "../harness/ports.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let sluice: RunningSluice;
const servers: Server<undefined>[] = [];
/** Requests each backend received, by path. */
const hits: Record<string, number> = {};
let pageHosts: string[] = [];

function serve(fetch: (req: Request) => Response): string {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch });
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
}

beforeAll(async () => {
  const echo = serve((req) => {
    const url = new URL(req.url);
    hits[url.pathname] = (hits[url.pathname] ?? 0) + 1;
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (status) return new Response("backend secret", { status: Number(status[1]), headers: { "x-backend-secret": "1" } });
    if (url.pathname === "/raw-bytes") {
      // Streamed: Bun.serve would label a byte-array body application/octet-stream itself.
      const bytes = new Uint8Array([60, 104, 116, 109, 108, 62]);
      return new Response(new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) }));
    }
    return Response.json({ path: url.pathname + url.search, method: req.method, headers: Object.fromEntries(req.headers) }, {
      headers: { "x-powered-by": "bun", vary: "Accept-Encoding" },
    });
  });
  const pages = serve((req) => {
    const url = new URL(req.url);
    pageHosts.push(req.headers.get("host") ?? "");
    return new Response(`page ${url.pathname}${url.search}`, { headers: { "content-type": "text/html", "x-page": "1" } });
  });
  // Nothing listens here: the service fails with Sluice's own 502.
  const deadPort = await freePort();
  sluice = await startSluice({
    files: {
      "routes.yml": `
http:
  routers:
    custom:
      rule: "Host(\`hdr.test\`)"
      middlewares: [custom-headers]
      service: echo
    behind-tls-terminator:
      rule: "Host(\`proto.test\`)"
      middlewares: [set-proto]
      service: echo
    cors:
      rule: "Host(\`cors.test\`)"
      middlewares: [cors]
      service: echo
    secure:
      rule: "Host(\`secure.test\`) || Host(\`evil.test\`)"
      middlewares: [secure]
      service: echo
    errors:
      rule: "Host(\`err.test\`)"
      middlewares: [error-pages]
      service: echo
    headers-around-errors:
      rule: "Host(\`chain.test\`)"
      middlewares: [custom-headers, error-pages]
      service: echo
    proxy-detect:
      rule: "Host(\`detect.test\`)"
      middlewares: [proxy-detect]
      service: echo
    https-redirect:
      rule: "Host(\`redirect.test\`)"
      middlewares: [https-redirect]
      service: echo
    dead:
      rule: "Host(\`dead.test\`)"
      middlewares: [custom-headers]
      service: dead
    content-type:
      rule: "Host(\`ctype.test\`)"
      middlewares: [no-sniff]
      service: echo
  middlewares:
    set-proto:
      headers:
        customRequestHeaders: { X-Forwarded-Proto: https, X-Forwarded-Host: public.example }
    custom-headers:
      headers:
        customRequestHeaders: { X-Added: "yes", X-Remove-Me: "" }
        customResponseHeaders: { X-Resp: "r", X-Powered-By: "" }
        frameDeny: true
        contentTypeNosniff: true
        stsSeconds: 31536000
    cors:
      headers:
        accessControlAllowMethods: [GET, PUT]
        accessControlAllowHeaders: [X-Token]
        accessControlAllowOriginList: ["https://app.test"]
        accessControlMaxAge: 100
        addVaryHeader: true
    secure:
      headers:
        allowedHosts: [secure.test]
        stsSeconds: 60
        forceSTSHeader: true
        referrerPolicy: no-referrer
    proxy-detect:
      headers:
        allowedHosts: [real.test]
        hostsProxyHeaders: [X-Original-Host]
        sslProxyHeaders: { X-Forwarded-Ssl: "on", X-Forwarded-Proto: https }
        stsSeconds: 30
        stsIncludeSubdomains: true
    https-redirect:
      headers:
        sslRedirect: true
        sslTemporaryRedirect: true
    error-pages:
      errors:
        status: ["500-599", "404"]
        service: pages
        query: "/page/{status}?from={url}"
    no-sniff:
      contentType: { autoDetect: false }
  services:
    echo: { loadBalancer: { servers: [{ url: "${echo}" }] } }
    pages: { loadBalancer: { servers: [{ url: "${pages}" }] } }
    dead: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${deadPort}" }] } }
`,
    },
  });
});

afterAll(async () => {
  await sluice?.stop();
  for (const s of servers) s.stop(true);
});

function call(host: string, path = "/", init: { method?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(sluice.url("web", path), { method: init.method ?? "GET", headers: { host, ...init.headers }, redirect: "manual" });
}

describe("headers middleware", () => {
  test("custom request headers reach the backend; custom and security headers reach the client", async () => {
    const res = await call("hdr.test", "/x", { headers: { "x-remove-me": "secret" } });
    expect(res.status).toBe(200);
    const seen = ((await res.json()) as { headers: Record<string, string | undefined> }).headers;
    expect([seen["x-added"], seen["x-remove-me"]]).toEqual(["yes", undefined]);
    expect(res.headers.get("x-resp")).toBe("r");
    expect(res.headers.get("x-powered-by")).toBeNull();
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    // HSTS only over https unless forceSTSHeader.
    expect(res.headers.get("strict-transport-security")).toBeNull();
  });

  // Traefik drops an untrusted client's X-Forwarded-* at the entrypoint, before
  // middlewares, so one a middleware sets (behind a TLS terminator) is kept.
  test("X-Forwarded-* set by customRequestHeaders reach the backend; the client's own are dropped", async () => {
    const res = await call("proto.test", "/", { headers: { "x-forwarded-proto": "ftp", "x-forwarded-for": "6.6.6.6" } });
    const seen = ((await res.json()) as { headers: Record<string, string | undefined> }).headers;
    expect([seen["x-forwarded-proto"], seen["x-forwarded-host"], seen["x-forwarded-for"]]).toEqual(["https", "public.example", "127.0.0.1"]);
  });

  test("a CORS preflight is answered by Sluice, the backend never sees it", async () => {
    const res = await call("cors.test", "/preflight", {
      method: "OPTIONS",
      headers: { origin: "https://app.test", "access-control-request-method": "PUT", "access-control-request-headers": "X-Token" },
    });
    expect(res.status).toBe(200);
    expect(Object.fromEntries([...res.headers].filter(([k]) => k.startsWith("access-control-")))).toEqual({
      "access-control-allow-origin": "https://app.test",
      "access-control-allow-methods": "GET,PUT",
      "access-control-allow-headers": "X-Token",
      "access-control-max-age": "100",
    });
    expect(await res.text()).toBe("");
    expect(hits["/preflight"]).toBeUndefined();
  });

  test.each([
    ["https://app.test", "https://app.test"],
    ["https://evil.test", null],
  ])("a request from %s gets Access-Control-Allow-Origin %p and Vary: Origin", async (origin, want) => {
    const res = await call("cors.test", "/data", { headers: { origin } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(want);
    expect(res.headers.get("vary")).toBe("Accept-Encoding,Origin");
    expect(hits["/data"]).toBeGreaterThan(0);
  });

  test.each([
    ["secure.test", 200],
    ["evil.test", 400],
  ])("allowedHosts: %s gets %d", async (host, status) => {
    const res = await call(host, "/hosts");
    expect(res.status).toBe(status);
    if (status === 400) expect(await res.text()).toBe("Bad Host\n");
    else {
      expect(res.headers.get("strict-transport-security")).toBe("max-age=60");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
  });
});

describe("headers middleware: proxy headers, redirects, Sluice's own answers", () => {
  test.each([
    ["hostsProxyHeaders names the allowed host; X-Forwarded-Ssl marks https", { "x-original-host": "real.test", "x-forwarded-ssl": "on" }, 200, "max-age=30; includeSubDomains"],
    ["an untrusted X-Forwarded-Proto does not count as https", { "x-original-host": "real.test", "x-forwarded-proto": "https" }, 200, null],
    ["without the proxy header the Host is checked: 400", { "x-forwarded-ssl": "on" }, 400, null],
  ])("%s", async (_name, headers, status, hsts) => {
    const res = await call("detect.test", "/detect", { headers });
    expect(res.status).toBe(status);
    expect(res.headers.get("strict-transport-security")).toBe(hsts);
    if (status === 400) expect(await res.text()).toBe("Bad Host\n");
    else expect(((await res.json()) as { path: string }).path).toBe("/detect");
  });

  test("sslRedirect answers 307 to https with the path and query, the backend never sees it", async () => {
    const res = await call("redirect.test", "/to/https?q=1");
    expect([res.status, res.headers.get("location")]).toEqual([307, "https://redirect.test/to/https?q=1"]);
    expect(hits["/to/https"]).toBeUndefined();
  });

  test("a 502 from Sluice itself gets the security and custom response headers", async () => {
    const res = await call("dead.test", "/down");
    expect(res.status).toBe(502);
    expect([res.headers.get("x-frame-options"), res.headers.get("x-resp")]).toEqual(["DENY", "r"]);
    await res.arrayBuffer();
  });

  test("HEAD to a host not allowed: 400 without a body", async () => {
    const res = await call("evil.test", "/hosts", { method: "HEAD" });
    expect([res.status, await res.text()]).toEqual([400, ""]);
  });
});

describe("errors middleware", () => {
  test.each([
    ["/status/503", 503, "page /page/503?from=%2Fstatus%2F503"],
    ["/status/404", 404, "page /page/404?from=%2Fstatus%2F404"],
    ["/status/502?x=1", 502, "page /page/502?from=%2Fstatus%2F502%3Fx%3D1"],
  ])("%s answers %d with the error service's page", async (path, status, body) => {
    pageHosts = [];
    const res = await call("err.test", path);
    expect(res.status).toBe(status);
    expect(await res.text()).toBe(body);
    expect(res.headers.get("x-page")).toBe("1");
    expect(res.headers.get("x-backend-secret")).toBeNull();
    // The error service gets the client's Host (passHostHeader defaults to true).
    expect(pageHosts).toEqual(["err.test"]);
  });

  test.each([
    ["/status/201", 201, "backend secret"],
    ["/status/429", 429, "backend secret"],
  ])("%s is not a listed status: the backend's answer passes", async (path, status, body) => {
    const res = await call("err.test", path);
    expect([res.status, await res.text()]).toEqual([status, body]);
  });

  test("a headers middleware in front also decorates the error page", async () => {
    const res = await call("chain.test", "/status/500");
    expect([res.status, await res.text()]).toEqual([500, "page /page/500?from=%2Fstatus%2F500"]);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-resp")).toBe("r");
  });
});

describe("contentType middleware", () => {
  test("a response without Content-Type stays without one (Sluice never sniffs)", async () => {
    const res = await call("ctype.test", "/raw-bytes");
    expect(res.status).toBe(200);
    const type = res.headers.get("content-type");
    // Not sniffed (Traefik v2 would say text/html). The serve front's Bun.serve
    // labels an untyped buffered body application/octet-stream on its own.
    if (process.env.SLUICE_FRONT === "serve") expect(type).toBe("application/octet-stream");
    else expect(type).toBeNull();
    expect(await res.text()).toBe("<html>");
  });
});
