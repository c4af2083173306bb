import { afterAll, afterEach, beforeAll, describe, expect, setSystemTime, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";
import { expectedResponse, md5, parseDigestParams } from "./digest.ts";
import { NONCE_LIFETIME_MS } from "./index.ts";
import type { Middleware } from "../../server/handler.ts";

const line = (user: string, realm: string, password: string) => `${user}:${realm}:${md5(`${user}:${realm}:${password}`)}`;
const USERS = [line("alice", "traefik", "wonder"), line("bob", "other", "builder")];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sluice-digest-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => setSystemTime());

interface Answer {
  user: string;
  password: string;
  realm?: string;
  method?: string;
  uri?: string;
  override?: Record<string, string | undefined>;
}

/** Gets a challenge from `mw`, then answers it the way a browser would. */
async function login(mw: Middleware, a: Answer, url = "http://a.test/dir/index.html?x=1", method = a.method ?? "GET") {
  const first = await run(mw, new Request(url, { method }));
  expect(first.res.status).toBe(401);
  const c = parseDigestParams(first.res.headers.get("www-authenticate"))!;
  const uri = a.uri ?? new URL(url).pathname + new URL(url).search;
  const realm = a.realm ?? c.get("realm")!;
  const fields: Record<string, string | undefined> = {
    username: a.user,
    realm,
    nonce: c.get("nonce")!,
    uri,
    qop: "auth",
    nc: "00000001",
    cnonce: "0a4f113b",
    opaque: c.get("opaque")!,
    algorithm: "MD5",
  };
  fields.response = expectedResponse({
    ha1: md5(`${a.user}:${realm}:${a.password}`),
    method: a.method ?? method,
    uri,
    nonce: fields.nonce!,
    nc: fields.nc!,
    cnonce: fields.cnonce!,
    qop: "auth",
  });
  Object.assign(fields, a.override);
  const header =
    "Digest " +
    Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => (k === "qop" || k === "nc" || k === "algorithm" ? `${k}=${v}` : `${k}="${v}"`))
      .join(", ");
  return { challenge: c, header, ...(await run(mw, new Request(url, { method, headers: { authorization: header } }))) };
}

describe("digestAuth", () => {
  test("the challenge offers MD5 with qop=auth in the default realm", async () => {
    const { res } = await run(mustBuild("digestAuth", { users: USERS }), "http://a.test/");
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("401 Unauthorized\n");
    const h = res.headers.get("www-authenticate")!;
    expect(h).toMatch(/^Digest realm="traefik", nonce="[^"]+", opaque="[0-9a-f]{32}", algorithm=MD5, qop="auth"$/);
  });

  test("a correct answer goes through and names the user", async () => {
    const { res, ctx } = await login(mustBuild("digestAuth", { users: USERS }), { user: "alice", password: "wonder" });
    expect(res.status).toBe(200);
    expect(ctx.clientUsername).toBe("alice");
    expect((await echoed(res))!.headers.authorization).toStartWith("Digest ");
  });

  test.each([
    ["wrong password", { user: "alice", password: "nope" }],
    ["unknown user", { user: "carol", password: "wonder" }],
    ["user of another realm", { user: "bob", password: "builder" }],
    ["answer computed for another uri", { user: "alice", password: "wonder", uri: "/elsewhere" }],
    ["uri that is only a prefix (go-http-auth allows it)", { user: "alice", password: "wonder", uri: "/dir/" }],
    ["answer computed for another method", { user: "alice", password: "wonder", method: "POST" }],
    ["no qop (RFC 2069)", { user: "alice", password: "wonder", override: { qop: undefined } }],
    ["wrong opaque", { user: "alice", password: "wonder", override: { opaque: "x" } }],
    ["SHA-256 algorithm", { user: "alice", password: "wonder", override: { algorithm: "SHA-256" } }],
    ["forged nonce", { user: "alice", password: "wonder", override: { nonce: "zzz.abc.def" } }],
    ["bad nc", { user: "alice", password: "wonder", override: { nc: "xyz" } }],
  ] as [string, Answer][])("%s is refused", async (_, answer) => {
    const mw = mustBuild("digestAuth", { users: USERS });
    const { res } = await login(mw, answer, "http://a.test/dir/index.html?x=1", "GET");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).not.toContain("stale");
  });

  test("a missing algorithm is taken as MD5 (broken clients)", async () => {
    const mw = mustBuild("digestAuth", { users: USERS });
    const { res } = await login(mw, { user: "alice", password: "wonder", override: { algorithm: undefined } });
    expect(res.status).toBe(200);
  });

  test("an expired nonce with a correct answer gets stale=true", async () => {
    const mw = mustBuild("digestAuth", { users: USERS });
    const start = Date.now();
    setSystemTime(new Date(start));
    const first = await login(mw, { user: "alice", password: "wonder" });
    expect(first.res.status).toBe(200);
    setSystemTime(new Date(start + NONCE_LIFETIME_MS + 1));
    const again = await run(mw, new Request("http://a.test/dir/index.html?x=1", { headers: { authorization: first.header } }));
    expect(again.res.status).toBe(401);
    expect(again.res.headers.get("www-authenticate")).toEndWith(", stale=true");
  });

  test("a nonce from another instance of the same config is accepted (workers, replicas)", async () => {
    const a = mustBuild("digestAuth", { users: USERS });
    const b = mustBuild("digestAuth", { users: USERS });
    const first = await login(a, { user: "alice", password: "wonder" });
    const other = await run(b, new Request("http://a.test/dir/index.html?x=1", { headers: { authorization: first.header } }));
    expect(other.res.status).toBe(200);
    const changed = mustBuild("digestAuth", { users: [USERS[0]], realm: "traefik" });
    const refused = await run(changed, new Request("http://a.test/dir/index.html?x=1", { headers: { authorization: first.header } }));
    expect(refused.res.status).toBe(401);
  });

  test("realm selects which users can log in", async () => {
    const mw = mustBuild("digestAuth", { users: USERS, realm: "other" });
    expect((await login(mw, { user: "bob", password: "builder" })).res.status).toBe(200);
    expect((await login(mw, { user: "alice", password: "wonder" })).res.status).toBe(401);
  });

  test("headerField and removeHeader", async () => {
    const mw = mustBuild("digestAuth", { users: USERS, headerField: "X-User", removeHeader: true });
    const e = (await echoed((await login(mw, { user: "alice", password: "wonder" })).res))!;
    expect(e.headers["x-user"]).toBe("alice");
    expect(e.headers.authorization).toBeUndefined();
  });

  test("ClientUsername is also set on a failed attempt, as in Traefik", async () => {
    const { ctx } = await login(mustBuild("digestAuth", { users: USERS }), { user: "mallory", password: "x" });
    expect(ctx.clientUsername).toBe("mallory");
  });

  test("usersFile in htdigest format merges with users (inline wins)", async () => {
    const file = join(dir, "htdigest");
    writeFileSync(file, `# htdigest\n${line("f", "traefik", "file-pw")}\n${line("alice", "traefik", "old")}\n`);
    const mw = mustBuild("digestAuth", { usersFile: file, users: USERS });
    expect((await login(mw, { user: "f", password: "file-pw" })).res.status).toBe(200);
    expect((await login(mw, { user: "alice", password: "wonder" })).res.status).toBe(200);
    expect((await login(mw, { user: "alice", password: "old" })).res.status).toBe(401);
  });

  test.each([
    [{ users: ["alice:traefik"] }, "users[0]", 'expected "user:realm:hash"'],
    [{ users: ["a:b:c:d"] }, "users[0]", 'expected "user:realm:hash"'],
    [{ usersFile: "/nonexistent/sluice.htdigest" }, "usersFile", "/nonexistent/sluice.htdigest"],
    [{ users: USERS, headerField: ["x"] }, "headerField", "expected a string"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("digestAuth", options);
    expect(middleware).toBeUndefined();
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });

  test("a hash that is not 32 hex digits is a warning", () => {
    const { middleware, problems } = buildKind("digestAuth", { users: ["alice:traefik:wonder"] });
    expect(middleware).toBeDefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "users[0]", severity: "warning" });
  });
});
