// basicAuth, digestAuth and forwardAuth through the real Sluice process. The
// basicAuth and digestAuth routers' chains hold only kinds with a raw form
// (also ipAllowList), so the raw front (default) serves them with their raw
// forms; SLUICE_FRONT=serve runs the Request forms.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../harness/ports.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

/** The raw forms write the reason phrase, the raw front's Request bridge none: seeing it proves the raw form answered. */
const RAW_FRONT = process.env.SLUICE_FRONT !== "serve";
const expectRawReason = (res: Response, reason: string) => {
  if (RAW_FRONT) expect(res.statusText).toBe(reason);
};

const md5 = (s: string) => createHash("md5").update(s).digest("hex");
// openssl passwd -apr1 -salt saltsalt p@ssw0rd
const APR1 = "$apr1$saltsalt$E5Rr3dOVSFY9DZAksLuwO/";

let sluice: RunningSluice;
let backend: Server<undefined>;
let authServer: Server<undefined>;
let dir: string;
const authCalls: Record<string, string>[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sluice-auth-it-"));
  backend = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    fetch: (req) => Response.json({ path: new URL(req.url).pathname, headers: Object.fromEntries(req.headers) }),
  });
  authServer = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    fetch(req) {
      authCalls.push(Object.fromEntries(req.headers));
      if (req.headers.get("authorization") === "Bearer good") return new Response("", { headers: { "x-auth-user": "fwd-alice" } });
      return new Response("denied by auth server", { status: 403, headers: { "x-reason": "bad token" } });
    },
  });
  const bcrypt = await Bun.password.hash("bc-secret", { algorithm: "bcrypt", cost: 4 });
  const usersFile = join(dir, "htpasswd");
  writeFileSync(usersFile, `# apr1 users\nfileuser:${APR1}\n`);
  const digestLine = `dave:traefik:${md5("dave:traefik:d-secret")}`;
  sluice = await startSluice({
    staticExtra: "accessLog: {}\n",
    files: {
      "auth.yml": `
http:
  routers:
    basic-bcrypt:
      rule: "Host(\`basic.test\`)"
      middlewares: [bcrypt-users]
      service: echo
    basic-file:
      rule: "Host(\`apr.test\`)"
      middlewares: [file-users]
      service: echo
    basic-chain:
      rule: "Host(\`chain.test\`)"
      middlewares: [local-only, bcrypt-users]
      service: echo
    basic-walled:
      rule: "Host(\`walled.test\`)"
      middlewares: [ten-only, bcrypt-users]
      service: echo
    digest:
      rule: "Host(\`digest.test\`)"
      middlewares: [digest-users]
      service: echo
    forward:
      rule: "Host(\`fwd.test\`)"
      middlewares: [forward]
      service: echo
  middlewares:
    local-only:
      ipAllowList: { sourceRange: ["127.0.0.1/32"] }
    ten-only:
      ipAllowList: { sourceRange: ["10.0.0.0/8"] }
    bcrypt-users:
      basicAuth:
        users: ["carol:${bcrypt}"]
        realm: "Staff only"
    file-users:
      basicAuth:
        usersFile: "${usersFile}"
        headerField: X-WebAuth-User
        removeHeader: true
    digest-users:
      digestAuth:
        users: ["${digestLine}"]
    forward:
      forwardAuth:
        address: "http://127.0.0.1:${authServer.port}/check"
        authResponseHeaders: [X-Auth-User]
  services:
    echo: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${backend.port}" }] } }
`,
    },
  });
});

afterAll(async () => {
  await sluice?.stop();
  backend?.stop(true);
  authServer?.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

async function get(host: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(sluice.url("web", path), { headers: { host, ...headers } });
  const text = await res.text();
  let json: { path: string; headers: Record<string, string> } | null = null;
  try {
    json = JSON.parse(text);
  } catch {
    // one of Sluice's or the auth server's own answers
  }
  return { res, text, json };
}

describe("basicAuth", () => {
  test.each([
    ["no credentials", undefined, 401],
    ["wrong password", basic("carol", "nope"), 401],
    ["bcrypt user", basic("carol", "bc-secret"), 200],
  ])("%s gives %p", async (_, authorization, status) => {
    const { res, json } = await get("basic.test", "/b", authorization ? { authorization } : {});
    expect(res.status).toBe(status);
    if (status === 401) {
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="Staff only"');
      expectRawReason(res, "Unauthorized");
    } else expect(json!.headers.authorization).toBe(authorization!);
  });

  test("a repeated good login (remembered) and then a wrong one", async () => {
    const good = basic("carol", "bc-secret");
    for (let i = 0; i < 3; i++) expect((await get("basic.test", "/again", { authorization: good })).res.status).toBe(200);
    expect((await get("basic.test", "/again", { authorization: basic("carol", "bc-secreT") })).res.status).toBe(401);
  });

  test("behind ipAllowList: the allowed peer logs in, and its user reaches the access log", async () => {
    const refused = await get("chain.test", "/chain-user");
    expect(refused.res.status).toBe(401);
    expect(refused.text).toBe("401 Unauthorized\n");
    const { res, json } = await get("chain.test", "/chain-user", { authorization: basic("carol", "bc-secret") });
    expect(res.status).toBe(200);
    expect(json!.path).toBe("/chain-user");
    const logged = await waitFor(() => /127\.0\.0\.1 - carol \[[^\]]+\] "GET \/chain-user HTTP\/1\.1" 200 /.test(sluice.output()), 3000);
    expect(logged).toBe(true);
  });

  test("behind ipAllowList: a refused peer gets 403 before any login", async () => {
    const { res, text } = await get("walled.test", "/walled", { authorization: basic("carol", "bc-secret") });
    expect(res.status).toBe(403);
    expect(text).toBe("Forbidden\n");
    expectRawReason(res, "Forbidden");
    // No user was named: the access log line has "-" for it.
    expect(await waitFor(() => /127\.0\.0\.1 - - \[[^\]]+\] "GET \/walled HTTP\/1\.1" 403 /.test(sluice.output()), 3000)).toBe(true);
  });

  test("apr1 usersFile user, headerField and removeHeader", async () => {
    const { res, json } = await get("apr.test", "/a", { authorization: basic("fileuser", "p@ssw0rd") });
    expect(res.status).toBe(200);
    expect(json!.headers["x-webauth-user"]).toBe("fileuser");
    expect(json!.headers.authorization).toBeUndefined();
    expect((await get("apr.test", "/a", { authorization: basic("fileuser", "wrong") })).res.status).toBe(401);
  });

  test("the access log shows the user name", async () => {
    await get("basic.test", "/logged-user", { authorization: basic("carol", "bc-secret") });
    const logged = await waitFor(() => /127\.0\.0\.1 - carol \[[^\]]+\] "GET \/logged-user HTTP\/1\.1" 200 /.test(sluice.output()), 3000);
    expect(logged).toBe(true);
  });
});

describe("digestAuth", () => {
  test("a full challenge/response", async () => {
    const path = "/d/page?x=1";
    const first = await get("digest.test", path);
    expect(first.res.status).toBe(401);
    expectRawReason(first.res, "Unauthorized");
    const challenge = first.res.headers.get("www-authenticate")!;
    expect(challenge).toStartWith('Digest realm="traefik"');
    const field = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(challenge)![1];
    const [nonce, opaque] = [field("nonce"), field("opaque")];
    const cnonce = "c0ffee";
    const response = md5(`${md5("dave:traefik:d-secret")}:${nonce}:00000001:${cnonce}:auth:${md5(`GET:${path}`)}`);
    const authorization =
      `Digest username="dave", realm="traefik", nonce="${nonce}", uri="${path}", qop=auth, nc=00000001, ` +
      `cnonce="${cnonce}", response="${response}", opaque="${opaque}", algorithm=MD5`;
    const ok = await get("digest.test", path, { authorization });
    expect(ok.res.status).toBe(200);
    expect(ok.json!.path).toBe("/d/page");
    const wrong = await get("digest.test", path, { authorization: authorization.replace(response, md5("x")) });
    expect(wrong.res.status).toBe(401);
    expect(await waitFor(() => / - dave \[[^\]]+\] "GET \/d\/page\?x=1 HTTP\/1\.1" 200 /.test(sluice.output()), 3000)).toBe(true);
  });
});

describe("forwardAuth", () => {
  test("an allowed request goes on with the auth server's headers", async () => {
    const { res, json } = await get("fwd.test", "/f?q=1", { authorization: "Bearer good", "x-auth-user": "forged" });
    expect(res.status).toBe(200);
    expect(json!.headers["x-auth-user"]).toBe("fwd-alice");
    const call = authCalls.at(-1)!;
    expect(call).toMatchObject({ "x-forwarded-method": "GET", "x-forwarded-host": "fwd.test", "x-forwarded-uri": "/f?q=1", "x-forwarded-proto": "http" });
  });

  test("a denied request gets the auth server's answer as is", async () => {
    const { res, text } = await get("fwd.test", "/f", { authorization: "Bearer bad" });
    expect(res.status).toBe(403);
    expect(text).toBe("denied by auth server");
    expect(res.headers.get("x-reason")).toBe("bad token");
  });
});
