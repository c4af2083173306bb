import { afterEach, describe, expect, setSystemTime, test } from "bun:test";
import { bothForms, mustBuildBoth, mustBuildRaw, runRaw, type FormOutcome } from "../raw-testing.ts";
import { expectedResponse, md5, parseDigestParams } from "./digest.ts";
import { NONCE_LIFETIME_MS } from "./index.ts";

const line = (user: string, realm: string, password: string) => `${user}:${realm}:${md5(`${user}:${realm}:${password}`)}`;
const USERS = [line("alice", "traefik", "wonder")];

afterEach(() => setSystemTime());

/** A challenge from the raw form, answered for `uri` the way a browser would. */
async function authorization(options: Record<string, unknown>, password: string, uri: string, method = "GET"): Promise<string> {
  const first = await runRaw(mustBuildRaw("digestAuth", options), { path: uri });
  expect(first.ex.response?.status).toBe(401);
  const challenge = Object.fromEntries(first.ex.response!.headers)["www-authenticate"];
  const c = parseDigestParams(challenge)!;
  const nonce = c.get("nonce")!;
  const response = expectedResponse({ ha1: md5(`alice:traefik:${password}`), method, uri, nonce, nc: "00000001", cnonce: "0a4f", qop: "auth" });
  return `Digest username="alice", realm="traefik", nonce="${nonce}", uri="${uri}", qop=auth, nc=00000001, cnonce="0a4f", response="${response}", opaque="${c.get("opaque")}", algorithm=MD5`;
}

/** Nonces are random: compare answers without them. */
function withoutNonce(o: FormOutcome): FormOutcome {
  const h = o.answered?.headers["www-authenticate"];
  if (!h) return o;
  return { ...o, answered: { ...o.answered!, headers: { ...o.answered!.headers, "www-authenticate": h.replace(/nonce="[^"]*"/, 'nonce="-"') } } };
}

describe("digestAuth raw form", () => {
  test.each([
    ["a correct answer", {}, "wonder", "/d/page?x=1", 200],
    ["a wrong password", {}, "nope", "/d/page?x=1", 401],
    ["headerField and removeHeader", { headerField: "X-User", removeHeader: true }, "wonder", "/d", 200],
  ] as const)("%s: both forms agree", async (_name, extra, password, path, status) => {
    const options = { users: USERS, ...extra };
    const header = await authorization(options, password, path);
    const { request, raw } = await bothForms(mustBuildBoth("digestAuth", options), { path, headers: [["Authorization", header]] });
    expect(withoutNonce(raw)).toEqual(withoutNonce(request));
    expect(raw.answered?.status ?? 200).toBe(status);
    expect(raw.clientUsername).toBe("alice"); // also on a failed attempt, as Traefik
  });

  test("no credentials: the same challenge shape on both forms", async () => {
    const { request, raw } = await bothForms(mustBuildBoth("digestAuth", { users: USERS }));
    expect(withoutNonce(raw)).toEqual(withoutNonce(request));
    expect(raw.answered?.headers["www-authenticate"]).toMatch(/^Digest realm="traefik", nonce="[^"]+", opaque="[0-9a-f]{32}", algorithm=MD5, qop="auth"$/);
  });

  test("the uri may name the target as rewritten by an earlier raw middleware", async () => {
    const mw = mustBuildRaw("digestAuth", { users: USERS });
    const header = await authorization({ users: USERS }, "wonder", "/page");
    const run = await runRaw(
      (next) => (ex, ctx, conn, done) => {
        ctx.forwardPath = "/page"; // as stripPrefix /app would
        mw(next)(ex, ctx, conn, done);
      },
      { path: "/app/page", headers: [["Authorization", header]] },
    );
    expect(run.forwarded?.path).toBe("/page");
    // Neither the sent nor the rewritten target: refused.
    const other = await runRaw(mw, { path: "/other", headers: [["Authorization", header]] });
    expect(other.ex.response?.status).toBe(401);
  });

  test("a correct answer to an expired nonce gets stale=true", async () => {
    const header = await authorization({ users: USERS }, "wonder", "/");
    setSystemTime(new Date(Date.now() + NONCE_LIFETIME_MS + 1000));
    const run = await runRaw(mustBuildRaw("digestAuth", { users: USERS }), { headers: [["Authorization", header]] });
    expect(run.ex.response?.status).toBe(401);
    expect(Object.fromEntries(run.ex.response!.headers)["www-authenticate"]).toEndWith(", stale=true");
    expect(run.doneCalls).toBe(1);
  });
});
