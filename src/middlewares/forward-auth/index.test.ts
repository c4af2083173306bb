import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { createServer, type Server as NodeServer } from "node:http";
import * as x509 from "@peculiar/x509";
import { freePort } from "../../../test/harness/ports.ts";
import type { Handler } from "../../server/handler.ts";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";
import { canonicalHeaderKey } from "./index.ts";

interface Seen {
  method: string;
  host: string;
  headers: Record<string, string>;
  body: string;
}
let seen: Seen[] = [];
let auth: Server<undefined>;
let tlsAuth: Server<undefined>;
let nodeAuth: NodeServer;
let base: string;
let nodeBase: string;
let tlsBase: string;
let caPem: string;

/** The auth server: what it answers depends on the path. */
async function authFetch(req: Request): Promise<Response> {
  const url = new URL(req.url);
  seen.push({ method: req.method, host: req.headers.get("host") ?? "", headers: Object.fromEntries(req.headers), body: await req.text() });
  switch (url.pathname) {
    case "/allow": {
      const h = new Headers({ "x-auth-user": "alice", "x-auth-role": "admin", "x-other": "o" });
      h.append("set-cookie", "session=from-auth; Path=/");
      h.append("set-cookie", "tracking=1");
      return new Response("ok", { headers: h });
    }
    case "/deny":
      return new Response("go away", { status: 401, headers: { "www-authenticate": 'Bearer realm="x"', "x-deny": "1", "content-type": "text/plain" } });
    case "/redirect":
      return new Response(null, { status: 302, headers: { location: "/login?rd=back" } });
    case "/forbidden-empty":
      return new Response(null, { status: 403 });
    default:
      return new Response("no such check", { status: 404 });
  }
}

async function selfSigned(): Promise<{ cert: string; key: string }> {
  x509.cryptoProvider.set(crypto);
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=auth.test",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }])],
  });
  const key = x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
  return { cert: cert.toString("pem"), key };
}

beforeAll(async () => {
  auth = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch: authFetch });
  base = `http://127.0.0.1:${auth.port}`;
  const { cert, key } = await selfSigned();
  caPem = cert;
  tlsAuth = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, tls: { cert, key }, fetch: authFetch });
  tlsBase = `https://127.0.0.1:${tlsAuth.port}`;
  // Bun.serve ignores a GET body; a node:http server reads it, like Go's.
  nodeAuth = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", host: req.headers.host ?? "", headers: req.headers as Record<string, string>, body });
      res.end("ok");
    });
  });
  await new Promise<void>((r) => nodeAuth.listen(0, "127.0.0.1", () => r()));
  nodeBase = `http://127.0.0.1:${(nodeAuth.address() as { port: number }).port}`;
});
afterAll(() => {
  auth.stop(true);
  tlsAuth.stop(true);
  nodeAuth.close();
});
beforeEach(() => {
  seen = [];
});

const clientReq = (headers: Record<string, string> = {}, init: RequestInit = {}) =>
  new Request("http://a.test/path/x?q=1", { method: "POST", body: "payload", ...init, headers: { host: "a.test", ...headers } });

describe("forwardAuth: the auth request", () => {
  test("is a GET to address with the client's headers and X-Forwarded-*", async () => {
    const mw = mustBuild("forwardAuth", { address: `${base}/allow` });
    const { res } = await run(mw, clientReq({ "x-a": "1", authorization: "Bearer t", connection: "x-hop", "x-hop": "h", "proxy-authorization": "p" }));
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    const s = seen[0];
    expect(s.method).toBe("GET"); // Traefik sends GET unless preserveRequestMethod
    expect(s.body).toBe(""); // and no body unless forwardBody
    expect(s.host).toBe(`127.0.0.1:${auth.port}`);
    expect(s.headers).toMatchObject({
      "x-a": "1",
      authorization: "Bearer t",
      "proxy-authorization": "p", // RFC 7235 4.4: meant for the auth server
      "x-forwarded-method": "POST",
      "x-forwarded-proto": "http",
      "x-forwarded-host": "a.test",
      "x-forwarded-uri": "/path/x?q=1",
      "x-forwarded-for": "127.0.0.1",
      "x-forwarded-port": "80", // set by the entrypoint step Traefik runs first
    });
    expect(s.headers["x-hop"]).toBeUndefined();
    // The backend gets the original request, body included.
    const e = (await echoed(res))!;
    expect([e.method, e.body, e.url]).toEqual(["POST", "payload", "http://a.test/path/x?q=1"]);
  });

  test("https scheme shows as X-Forwarded-Proto: https", async () => {
    await run(mustBuild("forwardAuth", { address: `${base}/allow` }), clientReq(), { conn: { scheme: "https" } });
    expect(seen[0].headers["x-forwarded-proto"]).toBe("https");
  });

  const spoofed = {
    "x-forwarded-for": "1.2.3.4",
    "x-forwarded-host": "evil.test",
    "x-forwarded-proto": "https",
    "x-forwarded-uri": "/admin",
    "x-forwarded-method": "DELETE",
    "x-forwarded-port": "9999",
  };
  test.each([
    // The trusted peer's X-Forwarded-Port survives the entrypoint and is copied like any header.
    ["trustForwardHeader off, peer trusted", false, true, ["127.0.0.1", "a.test", "http", "/path/x?q=1", "POST", "9999"]],
    ["trustForwardHeader off, peer not trusted", false, false, ["127.0.0.1", "a.test", "http", "/path/x?q=1", "POST", "80"]],
    // Traefik's entrypoint drops them before forwardAuth sees them.
    ["trustForwardHeader on, peer not trusted", true, false, ["127.0.0.1", "a.test", "http", "/path/x?q=1", "POST", "80"]],
    ["trustForwardHeader on, peer trusted", true, true, ["1.2.3.4, 127.0.0.1", "evil.test", "https", "/admin", "DELETE", "9999"]],
  ])("client X-Forwarded-* with %s", async (_, trustForwardHeader, peerTrusted, want) => {
    const mw = mustBuild("forwardAuth", { address: `${base}/allow`, trustForwardHeader });
    const trust = { insecure: peerTrusted, trusted: { contains: () => false } } as never;
    await run(mw, clientReq(spoofed), { conn: { trust } });
    const h = seen[0].headers;
    const got = [h["x-forwarded-for"], h["x-forwarded-host"], h["x-forwarded-proto"], h["x-forwarded-uri"], h["x-forwarded-method"], h["x-forwarded-port"]];
    expect(got).toEqual(want as string[]);
  });

  test("authRequestHeaders keeps only the listed headers (X-Forwarded-* are still added)", async () => {
    const mw = mustBuild("forwardAuth", { address: `${base}/allow`, authRequestHeaders: ["Authorization", "X-Missing"] });
    await run(mw, clientReq({ authorization: "Bearer t", cookie: "c=1", "x-a": "1" }));
    const h = seen[0].headers;
    expect(h.authorization).toBe("Bearer t");
    expect([h.cookie, h["x-a"], h["x-missing"]]).toEqual([undefined, undefined, undefined] as never);
    expect(h["x-forwarded-uri"]).toBe("/path/x?q=1");
  });

  test("preserveRequestMethod sends the original method", async () => {
    await run(mustBuild("forwardAuth", { address: `${base}/allow`, preserveRequestMethod: true }), clientReq());
    expect(seen[0].method).toBe("POST");
  });

  test("forwardBody sends the body with the GET (as Go does) and the backend still gets it", async () => {
    const mw = mustBuild("forwardAuth", { address: `${nodeBase}/check`, forwardBody: true });
    const { res } = await run(mw, clientReq());
    expect(seen[0]).toMatchObject({ method: "GET", body: "payload" });
    expect((await echoed(res))!.body).toBe("payload");
  });

  test("forwardBody with preserveRequestMethod goes through fetch", async () => {
    const mw = mustBuild("forwardAuth", { address: `${base}/allow`, forwardBody: true, preserveRequestMethod: true });
    const { res } = await run(mw, clientReq());
    expect(seen[0]).toMatchObject({ method: "POST", body: "payload" });
    expect((await echoed(res))!.body).toBe("payload");
  });

  test.each([
    [7, 200],
    [6, 401],
    [-1, 200],
  ])("maxBodySize %p with a 7-byte body gives %p (Traefik documents 401)", async (maxBodySize, status) => {
    const mw = mustBuild("forwardAuth", { address: `${nodeBase}/check`, forwardBody: true, maxBodySize });
    const { res } = await run(mw, clientReq());
    expect(res.status).toBe(status);
    expect(seen).toHaveLength(status === 200 ? 1 : 0);
  });
});

describe("forwardAuth: the verdict", () => {
  test("a refusal is returned as is: status, headers, body; the backend is not called", async () => {
    let called = false;
    const next: Handler = () => ((called = true), new Response("backend"));
    const { res } = await run(mustBuild("forwardAuth", { address: `${base}/deny` }), clientReq(), { next });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("go away");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="x"');
    expect(res.headers.get("x-deny")).toBe("1");
    expect(called).toBe(false);
  });

  test("an empty refusal keeps its status", async () => {
    const { res } = await run(mustBuild("forwardAuth", { address: `${base}/forbidden-empty` }), clientReq());
    expect(res.status).toBe(403);
    expect(await res.text()).toBe("");
  });

  test.each([
    [false, "/login?rd=back", "resolved against the auth server"],
    [true, "/login?rd=back", "kept as sent"],
  ])("preserveLocationHeader %p: a relative Location is %s", async (preserveLocationHeader, path, _) => {
    const mw = mustBuild("forwardAuth", { address: `${base}/redirect`, preserveLocationHeader });
    const { res } = await run(mw, clientReq());
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(preserveLocationHeader ? path : `${base}${path}`);
  });

  test("an unreachable auth server gives 500, as Traefik", async () => {
    const port = await freePort();
    const { res, ctx } = await run(mustBuild("forwardAuth", { address: `http://127.0.0.1:${port}/auth` }), clientReq());
    expect(res.status).toBe(500);
    expect(ctx.error).toContain("forwardAuth");
    expect(await echoed(res)).toBeNull();
  });

  test("without authResponseHeaders nothing of the auth answer reaches the backend", async () => {
    const { res } = await run(mustBuild("forwardAuth", { address: `${base}/allow` }), clientReq());
    const e = (await echoed(res))!;
    expect(e.headers["x-auth-user"]).toBeUndefined();
  });

  test("authResponseHeaders are copied, replacing (or removing) the client's", async () => {
    const mw = mustBuild("forwardAuth", { address: `${base}/allow`, authResponseHeaders: ["X-Auth-User", "X-Not-Sent"] });
    const { res } = await run(mw, clientReq({ "x-auth-user": "forged", "x-not-sent": "forged" }));
    const e = (await echoed(res))!;
    expect(e.headers["x-auth-user"]).toBe("alice");
    expect(e.headers["x-not-sent"]).toBeUndefined();
  });

  test.each(["^X-Auth-", "(?i)^x-auth-"])("authResponseHeadersRegex %p matches canonical names", async (authResponseHeadersRegex) => {
    const mw = mustBuild("forwardAuth", { address: `${base}/allow`, authResponseHeadersRegex });
    const { res } = await run(mw, clientReq({ "x-auth-forged": "1" }));
    const e = (await echoed(res))!;
    expect([e.headers["x-auth-user"], e.headers["x-auth-role"], e.headers["x-auth-forged"], e.headers["x-other"]]).toEqual([
      "alice",
      "admin",
      undefined,
      undefined,
    ] as never);
  });

  test("addAuthCookiesToResponse: listed auth cookies replace the backend's of the same name", async () => {
    const next: Handler = () => {
      const h = new Headers();
      h.append("set-cookie", "session=from-backend");
      h.append("set-cookie", "keep=1");
      return new Response("b", { headers: h });
    };
    const mw = mustBuild("forwardAuth", { address: `${base}/allow`, addAuthCookiesToResponse: ["session"] });
    const { res } = await run(mw, clientReq(), { next });
    expect(res.headers.getSetCookie()).toEqual(["keep=1", "session=from-auth; Path=/"]);
    const plain = await run(mustBuild("forwardAuth", { address: `${base}/allow` }), clientReq(), { next });
    expect(plain.res.headers.getSetCookie()).toEqual(["session=from-backend", "keep=1"]);
  });

  test("headerField names the user in the access log from an auth response header", async () => {
    const { ctx } = await run(mustBuild("forwardAuth", { address: `${base}/allow`, headerField: "X-Auth-User" }), clientReq());
    expect(ctx.clientUsername).toBe("alice");
  });
});

describe("forwardAuth: tls", () => {
  test.each([
    ["no tls options (not trusted)", undefined, 500],
    ["insecureSkipVerify", { insecureSkipVerify: true }, 200],
    ["ca as inline PEM", "ca", 200],
  ])("%s gives %p", async (_, tls, status) => {
    const options = tls === "ca" ? { ca: caPem } : tls;
    const { res } = await run(mustBuild("forwardAuth", { address: `${tlsBase}/allow`, ...(options ? { tls: options } : {}) }), clientReq());
    expect(res.status).toBe(status);
  });
});

describe("forwardAuth: options", () => {
  test("canonicalHeaderKey", () => {
    expect(["x-auth-user", "X-AUTH-USER", "content-type", "x"].map(canonicalHeaderKey)).toEqual(["X-Auth-User", "X-Auth-User", "Content-Type", "X"]);
  });

  test.each([
    [{}, "address", "is required"],
    [{ address: "not a url" }, "address", "expected an http:// or https:// URL"],
    [{ address: "ftp://a/b" }, "address", "expected an http:// or https:// URL"],
    [{ address: "http://a/", authResponseHeadersRegex: "(" }, "authResponseHeadersRegex", "invalid regular expression"],
    [{ address: "http://a/", maxBodySize: -2, forwardBody: true }, "maxBodySize", ">= -1"],
    [{ address: "http://a/", tls: { cert: "/nonexistent/c.pem", key: "/nonexistent/k.pem" } }, "tls.cert", "/nonexistent/c.pem"],
    [{ address: "http://a/", tls: { cert: "-----BEGIN CERTIFICATE-----" } }, "tls.key", "must be set together"],
    [{ address: "http://a/", trustForwardHeader: "maybe" }, "trustForwardHeader", "expected true or false"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("forwardAuth", options);
    expect(middleware).toBeUndefined();
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });

  test.each([
    [{ address: "http://a/", adress: "x" }, "adress", 'did you mean "address"'],
    [{ address: "http://a/", tls: { caOptional: true } }, "tls.caOptional", "deprecated"],
    [{ address: "http://a/", maxBodySize: 10 }, "maxBodySize", "without forwardBody"],
  ])("options %p warn at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("forwardAuth", options);
    expect(middleware).toBeDefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path, severity: "warning" });
    expect(problems[0].message).toContain(message);
  });
});
