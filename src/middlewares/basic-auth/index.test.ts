import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildKind, echoed, mustBuild, run } from "../testing.ts";
import { parseBasic } from "./index.ts";

const APR1 = "$apr1$saltsalt$E5Rr3dOVSFY9DZAksLuwO/"; // openssl passwd -apr1 -salt saltsalt p@ssw0rd
const SHA = "{SHA}V7KtmQRNM3GXwMOf04I1aP+B5Io="; // p@ssw0rd
const basic = (user: string, password: string, scheme = "Basic") =>
  `${scheme} ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const req = (authorization?: string) =>
  new Request("http://a.test/x", { headers: authorization ? { authorization } : {} });

let dir: string;
let bcrypt: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sluice-basic-"));
  bcrypt = await Bun.password.hash("bc-pass", { algorithm: "bcrypt", cost: 4 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parseBasic", () => {
  test.each([
    [basic("u", "p:with:colons"), { user: "u", password: "p:with:colons" }],
    [basic("ü", "pässword"), { user: "ü", password: "pässword" }],
    [basic("u", "p", "basic"), { user: "u", password: "p" }],
    [basic("u", "", "BASIC"), { user: "u", password: "" }],
    [`Basic ${Buffer.from("nocolon").toString("base64")}`, null],
    ["Basic !!!", null],
    ["Basic abc", null],
    ["Bearer abc", null],
    ["Basic", null],
    [null, null],
  ])("%p", (header, want) => {
    expect(parseBasic(header)).toEqual(want);
  });
});

describe("basicAuth", () => {
  test.each([
    ["no credentials", undefined, 401],
    ["unknown user", basic("nobody", "p@ssw0rd"), 401],
    ["wrong password", basic("apr", "wrong"), 401],
    ["apr1 user", basic("apr", "p@ssw0rd"), 200],
    ["sha user", basic("sha", "p@ssw0rd"), 200],
    ["bcrypt user", "bcrypt", 200],
    ["lower-case scheme", basic("apr", "p@ssw0rd", "basic"), 200],
    ["bearer token", "Bearer xyz", 401],
  ])("%s gives %p", async (_, auth, status) => {
    const mw = mustBuild("basicAuth", { users: [`apr:${APR1}`, `sha:${SHA}`, `bc:${bcrypt}`] });
    const header = auth === "bcrypt" ? basic("bc", "bc-pass") : auth;
    const { res } = await run(mw, req(header));
    expect(res.status).toBe(status);
    if (status === 401) {
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="traefik"');
      expect(await res.text()).toBe("401 Unauthorized\n");
      expect(await echoed(res)).toBeNull();
    } else {
      // By default the Authorization header goes on to the backend.
      expect((await echoed(res))!.headers.authorization).toBe(header!);
    }
  });

  test("realm is used in the challenge (quotes escaped; Traefik writes them raw)", async () => {
    const { res } = await run(mustBuild("basicAuth", { users: [`apr:${APR1}`], realm: 'my "zone"' }), req());
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="my \\"zone\\""');
  });

  test("headerField carries the user name to the backend", async () => {
    const mw = mustBuild("basicAuth", { users: [`apr:${APR1}`], headerField: "X-WebAuth-User" });
    const e = (await echoed((await run(mw, req(basic("apr", "p@ssw0rd")))).res))!;
    expect(e.headers["x-webauth-user"]).toBe("apr");
    expect(e.headers.authorization).toBeDefined();
  });

  test("headerField replaces a value sent by the client", async () => {
    const mw = mustBuild("basicAuth", { users: [`apr:${APR1}`], headerField: "X-WebAuth-User" });
    const r = new Request("http://a.test/", { headers: { authorization: basic("apr", "p@ssw0rd"), "x-webauth-user": "admin" } });
    expect((await echoed((await run(mw, r)).res))!.headers["x-webauth-user"]).toBe("apr");
  });

  test("removeHeader drops Authorization before the backend", async () => {
    const mw = mustBuild("basicAuth", { users: [`apr:${APR1}`], removeHeader: true });
    const e = (await echoed((await run(mw, req(basic("apr", "p@ssw0rd")))).res))!;
    expect(e.headers.authorization).toBeUndefined();
  });

  test("body and method reach the backend after a rewrite", async () => {
    const mw = mustBuild("basicAuth", { users: [`apr:${APR1}`], removeHeader: true });
    const r = new Request("http://a.test/up", { method: "PUT", body: "data", headers: { authorization: basic("apr", "p@ssw0rd") } });
    const e = (await echoed((await run(mw, r)).res))!;
    expect([e.method, e.body]).toEqual(["PUT", "data"]);
  });

  test("ClientUsername is set on success and, as in Traefik, on a failed attempt", async () => {
    const mw = mustBuild("basicAuth", { users: [`apr:${APR1}`] });
    expect((await run(mw, req(basic("apr", "p@ssw0rd")))).ctx.clientUsername).toBe("apr");
    expect((await run(mw, req(basic("mallory", "x")))).ctx.clientUsername).toBe("mallory");
    expect((await run(mw, req())).ctx.clientUsername).toBeUndefined();
  });

  test("usersFile users log in; inline users override the file", async () => {
    const file = join(dir, "users");
    writeFileSync(file, `f:${APR1}\nboth:${APR1}\n`);
    const mw = mustBuild("basicAuth", { usersFile: file, users: [`both:${SHA.replace("V7", "X7")}`] });
    expect((await run(mw, req(basic("f", "p@ssw0rd")))).res.status).toBe(200);
    expect((await run(mw, req(basic("both", "p@ssw0rd")))).res.status).toBe(401);
  });

  test.each([
    [{ users: ["broken"] }, "users[0]", 'expected "user:hash"'],
    [{ usersFile: "/nonexistent/sluice.htpasswd" }, "usersFile", "/nonexistent/sluice.htpasswd"],
    [{ users: [`a:${APR1}`], removeHeader: "yes" }, "removeHeader", "expected true or false"],
    [{ users: { a: APR1 } }, "users", "expected a list of strings"],
  ])("options %p are refused at %p", (options, path, message) => {
    const { middleware, problems } = buildKind("basicAuth", options);
    expect(middleware).toBeUndefined();
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toContain(message);
  });

  test("a plain-text password is a warning and that user cannot log in", async () => {
    const { middleware, problems } = buildKind("basicAuth", { users: [`ok:${APR1}`, "plain:secret"] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "users[1]", severity: "warning" });
    expect((await run(middleware!, req(basic("plain", "secret")))).res.status).toBe(401);
    expect((await run(middleware!, req(basic("ok", "p@ssw0rd")))).res.status).toBe(200);
  });

  test("no users at all: every request is refused (as Traefik)", async () => {
    const { middleware, problems } = buildKind("basicAuth", {});
    expect(problems).toEqual([]);
    expect((await run(middleware!, req(basic("a", "b")))).res.status).toBe(401);
  });

  test("an unknown option is a warning with a suggestion", () => {
    const { middleware, problems } = buildKind("basicAuth", { users: [`a:${APR1}`], realms: "x" });
    expect(middleware).toBeDefined();
    expect(problems).toEqual([{ path: "realms", severity: "warning", message: 'unknown option "realms" (did you mean "realm"?), ignored' }]);
  });
});
