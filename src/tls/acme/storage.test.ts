import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../observability/logger.ts";
import { AcmeStorage } from "./storage.ts";

const dir = mkdtempSync(join(tmpdir(), "sluice-acme-storage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const lines: string[] = [];
const log = createLogger({ level: "DEBUG", format: "common", sink: (l) => void lines.push(l) });
const b64 = (s: string) => Buffer.from(s).toString("base64");
const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n";

function write(name: string, content: string, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  chmodSync(p, mode);
  return p;
}

describe("AcmeStorage", () => {
  test("reads Traefik's layout and writes it back, keeping other resolvers and unusable entries", () => {
    const traefik = {
      le: {
        Account: { Email: "a@b.c", Registration: { body: { status: "valid" }, uri: "https://ca/acct/1" }, PrivateKey: "AAAA", KeyType: "4096" },
        Certificates: [
          { domain: { main: "a.com", sans: ["www.a.com"] }, certificate: b64(CERT), key: b64(KEY), Store: "default" },
          { domain: { main: "broken.com" }, certificate: "not base64 pem", key: b64(KEY), Store: "default" },
        ],
      },
      other: { Account: null, Certificates: [{ domain: { main: "o.com" }, certificate: b64(CERT), key: b64(KEY), Store: "default" }] },
    };
    const p = write("traefik.json", JSON.stringify(traefik, null, 2));
    const s = new AcmeStorage(p, log);
    s.load();
    expect(s.problem).toBeUndefined();
    expect(s.certificates("le")).toEqual([{ domains: { main: "a.com", sans: ["www.a.com"] }, certPem: CERT, keyPem: KEY, store: "default" }]);
    expect(s.account("le")?.Registration?.uri).toBe("https://ca/acct/1");
    expect(lines.join("")).toContain("broken.com");

    s.putCertificate("le", { domains: { main: "a.com", sans: ["www.a.com"] }, certPem: CERT.replace("MIIB", "MIIC"), keyPem: KEY, store: "default" });
    s.putCertificate("le", { domains: { main: "new.com", sans: [] }, certPem: CERT, keyPem: KEY, store: "default" });
    expect(s.save()).toBeUndefined();
    const back = JSON.parse(readFileSync(p, "utf8"));
    expect(back.other).toEqual(traefik.other);
    expect(back.le.Account).toEqual(traefik.le.Account);
    expect(back.le.Certificates).toHaveLength(3);
    expect(back.le.Certificates[1]).toEqual(traefik.le.Certificates[1]);
    expect(Buffer.from(back.le.Certificates[0].certificate, "base64").toString()).toContain("MIIC");
    expect(back.le.Certificates[2]).toEqual({ domain: { main: "new.com" }, certificate: b64(CERT), key: b64(KEY), Store: "default" });
  });

  test("a missing file is created with mode 0600 (and its directory)", () => {
    const p = join(dir, "sub", "dir", "acme.json");
    const s = new AcmeStorage(p, log);
    s.load();
    expect(s.usable).toBe(true);
    s.putCertificate("le", { domains: { main: "x.com", sans: [] }, certPem: CERT, keyPem: KEY, store: "default" });
    expect(s.save()).toBeUndefined();
    expect(statSync(p).mode & 0o777).toBe(0o600);
  });

  test("an empty file is an empty store", () => {
    const s = new AcmeStorage(write("empty.json", ""), log);
    s.load();
    expect(s.usable).toBe(true);
    expect(s.certificates("le")).toEqual([]);
  });

  for (const mode of [0o644, 0o640, 0o604, 0o660]) {
    test(`mode ${mode.toString(8)} is too open: reported like Traefik, never written`, () => {
      const content = JSON.stringify({ le: { Certificates: [] } });
      const p = write(`open-${mode.toString(8)}.json`, content, mode);
      const s = new AcmeStorage(p, log);
      s.load();
      expect(s.problem).toBe(`permissions ${mode.toString(8)} for ${p} are too open, please use 600`);
      s.putCertificate("le", { domains: { main: "x.com", sans: [] }, certPem: CERT, keyPem: KEY, store: "default" });
      expect(s.save()).toContain("too open");
      expect(readFileSync(p, "utf8")).toBe(content);
    });
  }

  for (const [name, content] of [
    ["truncated", '{"le": {"Certificates": [{"domain"'],
    ["not an object", "[1,2]"],
    ["bad section", '{"le": 5}'],
    ["bad list", '{"le": {"Certificates": {}}}'],
  ] as const) {
    test(`a corrupt file (${name}) is reported and kept`, () => {
      const p = write(`corrupt-${name.replace(/ /g, "-")}.json`, content);
      const s = new AcmeStorage(p, log);
      s.load();
      expect(s.problem).toContain("corrupt");
      expect(s.problem).toContain("kept");
      s.putCertificate("le", { domains: { main: "x.com", sans: [] }, certPem: CERT, keyPem: KEY, store: "default" });
      expect(s.save()).toBeDefined();
      expect(readFileSync(p, "utf8")).toBe(content);
    });
  }
});

describe("atomic writes", () => {
  test("kill -9 in the middle of a write loop leaves a valid file; stale temp files are removed on load", async () => {
    const p = join(dir, "killed", "acme.json");
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(join(import.meta.dir, "atomic-write.ts"))};
      const pad = "x".repeat(512 * 1024);
      const deadline = Date.now() + 10000;
      for (let i = 0; i < 1000000 && Date.now() < deadline; i++) {
        writeFileAtomic(${JSON.stringify(p)}, JSON.stringify({ le: { Account: null, Certificates: [], n: i, pad } }));
      }`;
    for (let round = 0; round < 3; round++) {
      const child = Bun.spawn([process.execPath, "-e", script], { stdout: "ignore", stderr: "pipe" });
      const deadline = Date.now() + 5000;
      while (!existsSync(p) && Date.now() < deadline) await Bun.sleep(10);
      await Bun.sleep(100 + round * 70);
      child.kill("SIGKILL");
      await child.exited;
      expect(child.signalCode).toBe("SIGKILL");
      const parsed = JSON.parse(readFileSync(p, "utf8"));
      expect(typeof parsed.le.n).toBe("number");
      expect(parsed.le.pad.length).toBe(512 * 1024);
      expect(statSync(p).mode & 0o777).toBe(0o600);
      const s = new AcmeStorage(p, log);
      s.load();
      expect(s.problem).toBeUndefined();
      expect(readdirSync(join(dir, "killed"))).toEqual(["acme.json"]);
    }
  });
});
