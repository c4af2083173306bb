import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OptionReader } from "../options.ts";
import { parseHash, readHtpasswd } from "./htpasswd.ts";

const APR1 = "$apr1$saltsalt$E5Rr3dOVSFY9DZAksLuwO/"; // openssl passwd -apr1 -salt saltsalt p@ssw0rd
const MD5 = "$1$saltsalt$yW0NtrMhKUDKaLArpQSpk."; // openssl passwd -1 -salt saltsalt p@ssw0rd
const SHA = "{SHA}V7KtmQRNM3GXwMOf04I1aP+B5Io="; // sha1("p@ssw0rd"), base64
// From the OpenBSD bcrypt test vectors: "U*U".
const BCRYPT_2A = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

let dir: string;
let bcryptY: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sluice-htpasswd-"));
  bcryptY = (await Bun.password.hash("b-secret", { algorithm: "bcrypt", cost: 4 })).replace(/^\$2b\$/, "$2y$");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function build(options: Record<string, unknown>, cacheSize?: number) {
  const o = new OptionReader(options);
  const table = readHtpasswd(o, cacheSize);
  return { table, problems: o.problems };
}

describe("parseHash", () => {
  test.each([
    [BCRYPT_2A, "bcrypt"],
    [BCRYPT_2A.replace("$2a$", "$2b$"), "bcrypt"],
    [BCRYPT_2A.replace("$2a$", "$2y$"), "bcrypt"],
    [APR1, "md5crypt"],
    [MD5, "md5crypt"],
    [SHA, "sha1"],
    ["p@ssw0rd", undefined],
    ["$5$rounds=5000$salt$hash", undefined],
    ["$2y$05$short", undefined],
    ["{SHA}not-base64", undefined],
  ])("%p is %p", (hash, kind) => {
    expect(parseHash(hash)?.kind).toBe(kind as "bcrypt" | undefined);
  });
});

describe("htpasswd verify", () => {
  test.each([
    ["apr1", `u:${APR1}`, "p@ssw0rd", true],
    ["apr1 wrong", `u:${APR1}`, "p@ssw0rD", false],
    ["$1$", `u:${MD5}`, "p@ssw0rd", true],
    ["sha1", `u:${SHA}`, "p@ssw0rd", true],
    ["sha1 wrong", `u:${SHA}`, "nope", false],
    ["bcrypt $2a$", `u:${BCRYPT_2A}`, "U*U", true],
    ["bcrypt $2a$ wrong", `u:${BCRYPT_2A}`, "U*V", false],
  ])("%s", async (_, line, password, want) => {
    const { table, problems } = build({ users: [line] });
    expect(problems).toEqual([]);
    expect(await table.verify("u", password)).toBe(want);
    expect(await table.verify("other", password)).toBe(false);
  });

  test("bcrypt $2y$ (htpasswd -B) works", async () => {
    const { table } = build({ users: [`bob:${bcryptY}`] });
    expect(await table.verify("bob", "b-secret")).toBe(true);
    expect(await table.verify("bob", "b-secreT")).toBe(false);
  });

  test("bcrypt reads only the first 72 bytes of a password, as htpasswd/Go do", async () => {
    const hash = await Bun.password.hash("x".repeat(72), { algorithm: "bcrypt", cost: 4 });
    const { table } = build({ users: [`long:${hash}`] });
    expect(await table.verify("long", "x".repeat(100))).toBe(true);
    expect(await table.verify("long", "x".repeat(71))).toBe(false);
  });

  test("a repeated correct login skips bcrypt; wrong passwords are never cached", async () => {
    const { table } = build({ users: [`bob:${bcryptY}`] });
    const spy = spyOn(Bun.password, "verify");
    try {
      expect(await table.verify("bob", "b-secret")).toBe(true);
      expect(await table.verify("bob", "b-secret")).toBe(true);
      expect(await table.verify("bob", "wrong")).toBe(false);
      expect(await table.verify("bob", "wrong")).toBe(false);
      expect(spy).toHaveBeenCalledTimes(3);
      expect(table.cached).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  test("concurrent checks of the same credentials share one bcrypt run", async () => {
    const { table } = build({ users: [`bob:${bcryptY}`] });
    const spy = spyOn(Bun.password, "verify");
    try {
      const all = await Promise.all([1, 2, 3, 4].map(() => table.verify("bob", "b-secret")));
      expect(all).toEqual([true, true, true, true]);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  test("the cache is bounded (oldest entry dropped first)", async () => {
    const lines = await Promise.all(
      ["a", "b", "c"].map(async (u) => `${u}:${await Bun.password.hash(u, { algorithm: "bcrypt", cost: 4 })}`),
    );
    const { table } = build({ users: lines }, 2);
    for (const u of ["a", "b", "c"]) expect(await table.verify(u, u)).toBe(true);
    expect(table.cached).toBe(2);
    const spy = spyOn(Bun.password, "verify");
    try {
      await table.verify("c", "c"); // still cached
      await table.verify("a", "a"); // evicted: bcrypt again
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("htpasswd sources", () => {
  test("usersFile and users merge; the inline entry wins", async () => {
    const file = join(dir, "merge.htpasswd");
    const fileSha = `{SHA}${createHash("sha1").update("from-file").digest("base64")}`;
    writeFileSync(file, `# comment\n\nfile:${APR1}\nboth:${fileSha}\n  \n`);
    const { table, problems } = build({ usersFile: file, users: [`both:${MD5}`] });
    expect(problems).toEqual([]);
    expect(table.size).toBe(2);
    expect(await table.verify("file", "p@ssw0rd")).toBe(true);
    expect(await table.verify("both", "p@ssw0rd")).toBe(true);
    expect(await table.verify("both", "from-file")).toBe(false);
    // Without the inline line the file's entry applies.
    const viaFileOnly = build({ usersFile: file });
    expect(await viaFileOnly.table.verify("both", "from-file")).toBe(true);
  });

  test("a comma-separated users string (labels) is split", async () => {
    const { table } = build({ users: `a:${APR1},b:${SHA}` });
    expect(await table.verify("a", "p@ssw0rd")).toBe(true);
    expect(await table.verify("b", "p@ssw0rd")).toBe(true);
  });

  test("a missing usersFile is an error naming the file", () => {
    const missing = join(dir, "nope.htpasswd");
    const { problems } = build({ usersFile: missing });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "usersFile", severity: "error" });
    expect(problems[0].message).toContain(missing);
    expect(problems[0].message).toContain("ENOENT");
  });

  test.each([
    [{ users: ["nocolon"] }, "users[0]", "error", 'expected "user:hash"'],
    [{ users: [`a:b:${APR1}`] }, "users[0]", "error", 'expected "user:hash"'],
    [{ users: [`:${APR1}`] }, "users[0]", "error", 'expected "user:hash"'],
    [{ users: [`ok:${APR1}`, "plain:secret"] }, "users[1]", "warning", "plain text is refused"],
  ])("%p is refused at %p (%s)", (options, path, severity, message) => {
    const { table, problems } = build(options);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path, severity });
    expect(problems[0].message).toContain(message);
    expect(table.has("plain")).toBe(false);
  });

  test("a plain-text inline line also removes the same user from the file", async () => {
    const file = join(dir, "override.htpasswd");
    writeFileSync(file, `u:${APR1}\n`);
    const { table, problems } = build({ usersFile: file, users: ["u:p@ssw0rd"] });
    expect(problems[0].severity).toBe("warning");
    expect(await table.verify("u", "p@ssw0rd")).toBe(false);
  });

  test("a bad file line names the file and line number", () => {
    const file = join(dir, "bad.htpasswd");
    writeFileSync(file, `ok:${APR1}\n# c\nbroken\n`);
    const { problems } = build({ usersFile: file });
    expect(problems).toEqual([{ path: "usersFile", severity: "error", message: `${file} line 3: expected "user:hash"` }]);
  });
});
