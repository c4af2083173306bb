// Path and redirect middlewares (addPrefix, stripPrefix, stripPrefixRegex,
// replacePath, replacePathRegex, redirectScheme, redirectRegex) through the
// real Sluice process: what the backend saw, and the redirects the client got.
// Every router here has only these kinds (and chain), so the raw front
// (default) runs their raw forms and SLUICE_FRONT=serve their Request forms:
// the expectations are the same for both.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { headerValues, parseRaw, rawRequest } from "../harness/raw-http.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let sluice: RunningSluice;
let backend: Server<undefined>;

interface Seen {
  method: string;
  path: string;
  body: string;
  headers: Record<string, string>;
}

beforeAll(async () => {
  backend = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    async fetch(req) {
      const url = new URL(req.url);
      const seen: Seen = { method: req.method, path: url.pathname + url.search, body: await req.text(), headers: Object.fromEntries(req.headers) };
      return Response.json(seen);
    },
  });
  const echo = `http://127.0.0.1:${backend.port}`;
  const routers = [
    ["add", "add-base"],
    ["strip", "strip-api"],
    ["stripre", "strip-version"],
    ["replace", "replace-fixed"],
    ["replacere", "old-to-new"],
    ["chain", "strip-then-rewrite"],
    ["two", "strip-api, strip-version"],
    ["secure", "https-only"],
    ["port", "https-port"],
    ["bare", "to-www"],
    ["mixed", "strip-api, https-only"],
  ];
  sluice = await startSluice({
    // The test client is the trusted peer, as a TLS-ending load balancer would be.
    entryPointExtra: 'forwardedHeaders:\n  trustedIPs: ["127.0.0.1/32"]',
    files: {
      "paths.yml": `
http:
  middlewares:
    add-base: { addPrefix: { prefix: "/base" } }
    strip-api: { stripPrefix: { prefixes: ["/api", "/app/"] } }
    strip-version: { stripPrefixRegex: { regex: ["/v[0-9]+"] } }
    replace-fixed: { replacePath: { path: "/fixed" } }
    old-to-new: { replacePathRegex: { regex: "^/old/(.*)", replacement: "/new/$1" } }
    strip-then-rewrite: { chain: { middlewares: [strip-api, old-to-new] } }
    https-only: { redirectScheme: { scheme: https, permanent: true } }
    https-port: { redirectScheme: { scheme: https, port: "8443" } }
    to-www: { redirectRegex: { regex: "^http://bare\\\\.test/(.*)", replacement: "https://www.bare.test/\${1}" } }
  routers:
${routers.map(([host, mws]) => `    ${host}: { rule: "Host(\`${host}.test\`)", service: echo, middlewares: [${mws}] }`).join("\n")}
  services:
    echo: { loadBalancer: { servers: [{ url: "${echo}" }] } }
`,
    },
  });
});

afterAll(async () => {
  await sluice?.stop();
  backend?.stop(true);
});

function send(host: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(sluice.url("web", path), { redirect: "manual", ...init, headers: { host, ...(init.headers as Record<string, string>) } });
}

async function seen(host: string, path: string, init: RequestInit = {}): Promise<Seen> {
  const res = await send(host, path, init);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Seen;
}

describe("path middlewares", () => {
  test.each([
    // [host, request path, backend path, X-Forwarded-Prefix, X-Replaced-Path]
    ["add.test", "/x?q=1", "/base/x?q=1", undefined, undefined],
    ["add.test", "/", "/base/", undefined, undefined],
    ["add.test", "/caf%C3%A9/a%2Fb", "/base/caf%C3%A9/a%2Fb", undefined, undefined],
    ["strip.test", "/api/users?page=2", "/users?page=2", "/api", undefined],
    ["strip.test", "/api", "/", "/api", undefined],
    ["strip.test", "/app/x", "/x", "/app/", undefined],
    ["strip.test", "/other", "/other", undefined, undefined],
    // Escapes travel as sent, in the path, the query and the headers.
    ["strip.test", "/api/caf%C3%A9/a%2Fb?q=%20", "/caf%C3%A9/a%2Fb?q=%20", "/api", undefined],
    ["stripre.test", "/v2/caf%C3%A9", "/caf%C3%A9", "/v2", undefined],
    ["replace.test", "/my%20doc/a%2Fb", "/fixed", undefined, "/my%20doc/a%2Fb"],
    ["replacere.test", "/old/a%2Fb%20c?x=%2F", "/new/a%2Fb%20c?x=%2F", undefined, "/old/a%2Fb%20c"],
    ["stripre.test", "/v2/items", "/items", "/v2", undefined],
    ["replace.test", "/any/thing?q=1", "/fixed?q=1", undefined, "/any/thing"],
    ["replacere.test", "/old/a/b", "/new/a/b", undefined, "/old/a/b"],
    ["replacere.test", "/keep", "/keep", undefined, undefined],
    // A chain middleware, then two middlewares listed on the router.
    ["chain.test", "/api/old/x?y=1", "/new/x?y=1", "/api", "/old/x"],
    ["two.test", "/api/v3/z", "/z", "/api, /v3", undefined],
  ])("%s%s reaches the backend as %s", async (host, path, want, prefix, replaced) => {
    const s = await seen(host, path);
    expect(s.path).toBe(want);
    expect(s.headers["x-forwarded-prefix"]).toBe(prefix as string);
    expect(s.headers["x-replaced-path"]).toBe(replaced as string);
  });

  // fetch escapes these before sending; a raw client sends them as they are.
  // Both fronts must forward what a URL makes of them (as Bun.serve does).
  test.each([
    // [host, request target, backend path, X-Forwarded-Prefix]
    ["strip.test", '/api/a"b\\c', "/a%22b/c", "/api"],
    ["strip.test", "/api/caf\u00c3\u00a9?q=\u00c3\u00a9", "/caf%C3%A9?q=%C3%A9", "/api"],
    ["strip.test", "/x/%2e%2e/api/y", "/y", "/api"],
    ["strip.test", "/other{x}", "/other%7Bx%7D", undefined],
    ["add.test", "/x^y", "/base/x%5Ey", undefined],
  ])("%s %s sent raw reaches the backend as %s", async (host, target, want, prefix) => {
    const res = await rawRequest(sluice.ports.web, Buffer.from(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, "latin1"));
    expect(res.status, res.head).toBe(200);
    const s = JSON.parse(res.rest.toString()) as Seen;
    expect(s.path).toBe(want);
    expect(s.headers["x-forwarded-prefix"]).toBe(prefix as string);
  });

  test("a POST body streams through a rewritten path", async () => {
    const body = "x".repeat(200_000);
    const s = await seen("chain.test", "/api/old/upload", { method: "POST", body });
    expect([s.method, s.path, s.body.length]).toEqual(["POST", "/new/upload", body.length]);
  });
});

describe("redirect middlewares", () => {
  test.each([
    // [host, method, path, status, Location]
    ["secure.test", "GET", "/login?next=/home", 301, "https://secure.test/login?next=/home"],
    ["secure.test", "POST", "/form", 308, "https://secure.test/form"],
    ["port.test", "GET", "/p", 302, "https://port.test:8443/p"],
    ["port.test", "PUT", "/p", 307, "https://port.test:8443/p"],
    ["bare.test", "GET", "/shop/cart?id=7", 302, "https://www.bare.test/shop/cart?id=7"],
    // The redirect carries the path as stripped before it.
    ["mixed.test", "GET", "/api/account", 301, "https://mixed.test/account"],
  ])("%s %s %s: %d to %s", async (host, method, path, status, location) => {
    const res = await send(host, path, { method, body: method === "GET" ? undefined : "data" });
    expect(res.status).toBe(status);
    expect(res.headers.get("location")).toBe(location);
    await res.text();
  });

  test("HEAD gets the redirect without a body; the connection stays usable", async () => {
    const head = "HEAD /h HTTP/1.1\r\nHost: secure.test\r\n\r\n";
    const get = "GET /g?x=%20 HTTP/1.1\r\nHost: secure.test\r\nConnection: close\r\n\r\n";
    const res = await rawRequest(sluice.ports.web, head + get);
    expect([res.status, headerValues(res, "location")]).toEqual([301, ["https://secure.test/h"]]);
    // The next response follows at once: the HEAD answer had no body bytes.
    const next = parseRaw(res.rest);
    expect([next.status, headerValues(next, "location"), next.rest.toString()]).toEqual([301, ["https://secure.test/g?x=%20"], "Moved Permanently"]);
  });

  test("a raw client's unusual path is redirected as a URL carries it", async () => {
    const res = await rawRequest(sluice.ports.web, 'GET /a"b\\c?q HTTP/1.1\r\nHost: secure.test\r\nConnection: close\r\n\r\n');
    expect([res.status, headerValues(res, "location")]).toEqual([301, ["https://secure.test/a%22b/c?q"]]);
  });

  test("a trusted peer's X-Forwarded-Proto: https is not redirected again", async () => {
    const s = await seen("secure.test", "/page", { headers: { "x-forwarded-proto": "https" } });
    expect(s.path).toBe("/page");
  });

  test("a URL the regex does not match goes on to the backend", async () => {
    const res = await send("bare.test:8080", "/x");
    // The Host header's port is part of the matched URL, so this one passes.
    expect(res.status).toBe(200);
    expect(((await res.json()) as Seen).path).toBe("/x");
  });
});
