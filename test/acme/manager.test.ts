// AcmeManager without a CA: storage reuse, start-up problems, Retry-After,
// readable transport errors. (The flows against pebble are in acme.test.ts.)
import { afterAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AcmeManager } from "../../src/tls/acme/index.ts";
import { waitFor } from "../harness/ports.ts";
import { captureLogger, dnsResolver, httpResolver, selfSigned, tempDir } from "./helpers.ts";

const dir = tempDir();
const managers: AcmeManager[] = [];
const stopAll: Array<() => void> = [];
afterAll(() => {
  for (const m of managers) m.stop();
  for (const s of stopAll) s();
  rmSync(dir, { recursive: true, force: true });
});
const DEAD_CA = "https://127.0.0.1:1/dir";

function manager(opts: ConstructorParameters<typeof AcmeManager>[0]): AcmeManager {
  const m = new AcmeManager(opts);
  managers.push(m);
  return m;
}

function traefikAcmeJson(sub: string): { path: string; content: string; certPem: string } {
  const d = join(dir, sub);
  mkdirSync(d, { recursive: true });
  const { certPem, keyPem } = selfSigned(d, ["a.test", "www.a.test"], 200);
  const accountKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "der", type: "pkcs1" });
  const file = {
    le: {
      Account: {
        Email: "admin@example.test",
        Registration: { body: { status: "valid", contact: ["mailto:admin@example.test"] }, uri: "https://127.0.0.1:1/my-account/1" },
        PrivateKey: accountKey.toString("base64"),
        KeyType: "4096",
      },
      Certificates: [
        { domain: { main: "a.test", sans: ["www.a.test"] }, certificate: Buffer.from(certPem).toString("base64"), key: Buffer.from(keyPem).toString("base64"), Store: "default" },
      ],
    },
    other: { Account: null, Certificates: [] },
  };
  const path = join(d, "acme.json");
  const content = JSON.stringify(file, null, 2);
  writeFileSync(path, content);
  chmodSync(path, 0o600);
  return { path, content, certPem };
}

describe("storage from Traefik", () => {
  test("an acme.json written by Traefik loads and is reused without an order", async () => {
    const { path, content, certPem } = traefikAcmeJson("traefik");
    const m = manager({ resolvers: { le: httpResolver(DEAD_CA, path, { certificatesDuration: 2160 }) }, log: captureLogger().log, env: {} });
    await m.start();
    expect(m.problems()).toEqual([]);
    expect(m.certificates().map((c) => [c.resolver, c.domains, c.certPem])).toEqual([["le", { main: "a.test", sans: ["www.a.test"] }, certPem]]);
    m.setWanted([
      { resolver: "le", domains: { main: "A.test", sans: ["www.a.test"] } },
      { resolver: "le", domains: { main: "www.a.test", sans: [] } }, // covered by the stored set
    ]);
    await Bun.sleep(50);
    await m.idle();
    expect(m.status().map((s) => [s.domains.main, s.orders, s.state])).toEqual([["a.test", 0, "valid"]]);
    expect(readFileSync(path, "utf8")).toBe(content);
  });
});

describe("start-up problems", () => {
  test("too-open permissions: reported like Traefik, no order, file untouched", async () => {
    const { path, content } = traefikAcmeJson("open");
    chmodSync(path, 0o644);
    const m = manager({ resolvers: { le: httpResolver(DEAD_CA, path) }, log: captureLogger().log, env: {} });
    await m.start();
    expect(m.problems().join("\n")).toContain(`permissions 644 for ${path} are too open, please use 600`);
    m.setWanted([{ resolver: "le", domains: { main: "new.test", sans: [] } }]);
    await m.idle();
    expect(m.status()).toEqual([]);
    expect(m.certificates()).toEqual([]);
    expect(readFileSync(path, "utf8")).toBe(content);
  });

  test("a corrupt file is reported and never overwritten", async () => {
    const path = join(dir, "corrupt.json");
    writeFileSync(path, '{"le": {"Certificates": [');
    chmodSync(path, 0o600);
    const m = manager({ resolvers: { le: httpResolver(DEAD_CA, path) }, log: captureLogger().log, env: {} });
    await m.start();
    expect(m.problems().join("\n")).toMatch(/corrupt.*kept as is/);
    m.setWanted([{ resolver: "le", domains: { main: "new.test", sans: [] } }]);
    await m.idle();
    expect(readFileSync(path, "utf8")).toBe('{"le": {"Certificates": [');
  });

  test("tlsChallenge, unknown DNS providers, missing credentials and unreadable files are named", async () => {
    const store = join(dir, "problems.json");
    const { log, lines } = captureLogger();
    const m = manager({
      resolvers: {
        alpn: { acme: { caServer: DEAD_CA, storage: store, tlsChallenge: {} } },
        r53: { acme: { caServer: DEAD_CA, storage: store, dnsChallenge: { provider: "route53" } } },
        cfNoCreds: dnsResolver(DEAD_CA, store, []),
      },
      log,
      env: { CF_API_EMAIL: "only-email@example.test", LEGO_CA_CERTIFICATES: `${join(dir, "nope1.pem")},${join(dir, "nope2.pem")}` },
    });
    await m.start();
    const all = m.problems().join("\n");
    expect(all).toContain("certificatesResolvers.alpn.acme: tlsChallenge (TLS-ALPN-01) is not supported: Bun.serve has no ALPN callback");
    expect(all).toContain('dnsChallenge provider "route53" is not supported');
    expect(all).toContain("certificatesResolvers.cfNoCreds.acme: cloudflare: credentials missing");
    expect(all).toContain("nope1.pem");
    expect(all).toContain("nope2.pem");
    m.setWanted([{ resolver: "ghost", domains: { main: "g.test", sans: [] } }]);
    expect(m.problems().join("\n")).toContain('certificate resolver "ghost" is not defined');
    expect(lines.join("")).toContain("ERR certificatesResolvers.alpn.acme");
  });

  test("a *_FILE credential that cannot be read is reported without its content", async () => {
    const m = manager({
      resolvers: { cf: dnsResolver(DEAD_CA, join(dir, "cf.json"), []) },
      log: captureLogger().log,
      env: { CF_DNS_API_TOKEN_FILE: join(dir, "missing-token") },
    });
    await m.start();
    expect(m.problems().join("\n")).toContain("CF_DNS_API_TOKEN_FILE: cannot read");
  });
});

describe("talking to a CA that refuses", () => {
  test("HTTP 429 with Retry-After: the next attempt waits at least as long", async () => {
    let hits = 0;
    const ca = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (hits++, new Response("slow down", { status: 429, headers: { "Retry-After": "7200" } })) });
    stopAll.push(() => ca.stop(true));
    const m = manager({ resolvers: { le: httpResolver(`http://127.0.0.1:${ca.port}/dir`, join(dir, "429.json")) }, log: captureLogger().log, env: {} });
    await m.start();
    m.setWanted([{ resolver: "le", domains: { main: "rl.test", sans: [] } }]);
    expect(await waitFor(() => m.status()[0]?.failures === 1, 5000)).toBe(true);
    const st = m.status()[0]!;
    expect(st.lastError).toContain("429");
    expect(st.nextAttemptAt!.getTime() - Date.now()).toBeGreaterThan(7190_000);
    expect(hits).toBe(1);
    expect(m.certificates()).toEqual([]);
  });

  test("an untrusted CA certificate shows the TLS cause, not acme-client's lost error", async () => {
    const d = join(dir, "tls");
    mkdirSync(d);
    const { certPem, keyPem } = selfSigned(d, ["localhost"], 2);
    const ca = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: { cert: certPem, key: keyPem }, fetch: () => Response.json({}) });
    stopAll.push(() => ca.stop(true));
    const m = manager({ resolvers: { le: httpResolver(`https://127.0.0.1:${ca.port}/dir`, join(dir, "tls.json")) }, log: captureLogger().log, env: {} });
    await m.start();
    m.setWanted([{ resolver: "le", domains: { main: "tls.test", sans: [] } }]);
    expect(await waitFor(() => m.status()[0]?.failures === 1, 5000)).toBe(true);
    const err = m.status()[0]!.lastError!;
    expect(err).toMatch(/cert|self.signed|verify/i);
    expect(err).not.toContain("response.config");
  });

  test("nothing throws out of the manager, before start or after stop", async () => {
    const m = manager({ resolvers: { le: httpResolver(DEAD_CA, join(dir, "x", "acme.json")) }, log: captureLogger().log, env: {} });
    m.setWanted([{ resolver: "le", domains: { main: "", sans: ["*.*"] } }]);
    await m.start();
    expect(m.problems().join("\n")).toContain("the main domain is empty");
    m.stop();
    m.setWanted([{ resolver: "le", domains: { main: "late.test", sans: [] } }]);
    await m.idle();
    expect(m.status().every((s) => s.orders === 0)).toBe(true);
  });
});
