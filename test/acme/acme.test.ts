// The ACME module against a real CA (pebble) and real DNS (pebble-challtestsrv),
// with Cloudflare emulated locally. One pebble for the whole file.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { Resolver } from "node:dns/promises";
import { chmodSync, copyFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Registry } from "prom-client";
import { AcmeManager, httpChallengeResponse, type ManagedCertificate } from "../../src/tls/acme/index.ts";
import { startFakeCloudflare, type FakeCloudflare } from "../harness/fake-cloudflare.ts";
import { startPebble, type Pebble } from "../harness/pebble.ts";
import { waitFor } from "../harness/ports.ts";
import { captureLogger, dnsResolver, httpResolver, openssl, tempDir } from "./helpers.ts";

let pebble: Pebble;
let cf: FakeCloudflare;
let challengeServer: ReturnType<typeof Bun.serve>;
/** The manager whose HTTP-01 tokens the challenge server answers. */
let current: AcmeManager | undefined;
const dir = tempDir();
const managers: AcmeManager[] = [];

function manager(opts: ConstructorParameters<typeof AcmeManager>[0]): AcmeManager {
  const m = new AcmeManager(opts);
  managers.push(m);
  current = m;
  return m;
}

beforeAll(async () => {
  pebble = await startPebble();
  challengeServer = Bun.serve({
    hostname: "127.0.0.1",
    port: pebble.httpPort,
    // What the entrypoint does ahead of its routers.
    fetch: (req) =>
      httpChallengeResponse({ httpChallenge: (t) => current?.httpChallenge(t) }, new URL(req.url).pathname) ?? new Response("router", { status: 418 }),
  });
  cf = startFakeCloudflare({ zones: ["example.test"], tokens: ["dns-token"], globalKey: { email: "admin@example.test", key: "global-key" }, nameServers: [pebble.dnsServer], challManagementUrl: pebble.challManagementUrl });
});

afterAll(async () => {
  for (const m of managers) m.stop();
  challengeServer?.stop(true);
  await cf?.stop();
  await pebble?.stop();
});

/** Verifies the chain against pebble's issuing root with openssl; returns openssl's output. */
async function verifyWithOpenssl(cert: ManagedCertificate, name: string): Promise<{ code: number; out: string }> {
  const pems = cert.certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  writeFileSync(join(dir, `${name}-leaf.pem`), pems[0] + "\n");
  writeFileSync(join(dir, `${name}-chain.pem`), pems.slice(1).join("\n") + "\n");
  writeFileSync(join(dir, `${name}-root.pem`), await pebble.issuingRoot());
  return openssl(["verify", "-CAfile", `${name}-root.pem`, "-untrusted", `${name}-chain.pem`, `${name}-leaf.pem`], dir);
}

function sans(cert: ManagedCertificate): string[] {
  return (new X509Certificate(cert.certPem).subjectAltName ?? "").split(", ").map((s) => s.replace(/^DNS:/, "")).sort();
}

const caEnv = () => ({ LEGO_CA_CERTIFICATES: pebble.listenerCaFile });

describe("HTTP-01", () => {
  test("obtains a certificate, verifies against the pebble root, stores it 0600 in Traefik's layout", async () => {
    const storage = join(dir, "http", "acme.json");
    const registry = new Registry();
    const { log, lines } = captureLogger();
    const m = manager({ resolvers: { le: httpResolver(pebble.directoryUrl, storage) }, log, env: caEnv(), registry, metricsPrefix: "t" });
    let changes = 0;
    m.onChange(() => changes++);
    await m.start();
    expect(m.problems()).toEqual([]);
    m.setWanted([{ resolver: "le", domains: { main: "a.example.test", sans: ["b.example.test"] } }]);
    expect(await waitFor(() => m.certificates().length === 1, 15_000)).toBe(true);
    const cert = m.certificates()[0]!;
    expect(sans(cert)).toEqual(["a.example.test", "b.example.test"]);
    expect(new X509Certificate(cert.certPem).checkPrivateKey(createPrivateKey(cert.keyPem))).toBe(true);
    const verified = await verifyWithOpenssl(cert, "http");
    expect(verified.out).toContain("OK");
    expect(verified.code).toBe(0);
    expect(changes).toBe(1);

    expect(statSync(storage).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(storage, "utf8"));
    expect(Object.keys(file)).toEqual(["le"]);
    expect(file.le.Account.Email).toBe("admin@example.test");
    expect(file.le.Account.Registration.uri).toStartWith(pebble.directoryUrl.replace("/dir", ""));
    createPrivateKey({ key: Buffer.from(file.le.Account.PrivateKey, "base64"), format: "der", type: "pkcs1" });
    expect(file.le.Certificates).toHaveLength(1);
    expect(file.le.Certificates[0].domain).toEqual({ main: "a.example.test", sans: ["b.example.test"] });
    expect(Buffer.from(file.le.Certificates[0].certificate, "base64").toString()).toBe(cert.certPem);
    expect(Buffer.from(file.le.Certificates[0].key, "base64").toString()).toBe(cert.keyPem);
    expect(file.le.Certificates[0].Store).toBe("default");

    const metrics = await registry.metrics();
    expect(metrics).toContain('t_acme_orders_total{resolver="le"} 1');
    expect(metrics).toMatch(/t_acme_cert_not_after\{resolver="le",cn="a.example.test",sans="b.example.test"\} \d{10}/);
    const text = lines.join("");
    expect(text).toContain("certificate obtained");
    expect(text).toContain("domains=a.example.test,b.example.test");
    expect(text).not.toContain("PRIVATE KEY");
    expect(text).not.toContain(file.le.Account.PrivateKey.slice(0, 40));
    // No token is left behind once the order is done.
    expect(m.httpChallenge("anything")).toBeUndefined();
  });

  test("a wildcard on an HTTP-01 resolver is refused for that domain set only", async () => {
    const m = manager({ resolvers: { le: httpResolver(pebble.directoryUrl, join(dir, "wild-http", "acme.json")) }, log: captureLogger().log, env: caEnv() });
    await m.start();
    m.setWanted([
      { resolver: "le", domains: { main: "*.w.example.test", sans: [] } },
      { resolver: "le", domains: { main: "ok.example.test", sans: [] } },
    ]);
    expect(await waitFor(() => m.certificates().length === 1, 15_000)).toBe(true);
    expect(m.certificates()[0]!.domains.main).toBe("ok.example.test");
    expect(m.problems().join("\n")).toContain("*.w.example.test");
    expect(m.problems().join("\n")).toContain("dnsChallenge");
    expect(m.status().find((s) => s.domains.main === "*.w.example.test")?.state).toBe("invalid");
  });
});

describe("DNS-01 through the Cloudflare API", () => {
  test("wildcard + apex: TXT records via the SDK, validated over real DNS, cleaned up", async () => {
    const tokenFile = join(dir, "cf-token");
    writeFileSync(tokenFile, "dns-token\n");
    const before = cf.log.length;
    const { log, lines } = captureLogger();
    const m = manager({
      resolvers: { cf: dnsResolver(pebble.directoryUrl, join(dir, "dns", "acme.json"), [pebble.dnsServer]) },
      log,
      env: { ...caEnv(), CF_DNS_API_TOKEN_FILE: tokenFile, CLOUDFLARE_BASE_URL: cf.baseUrl, CF_POLLING_INTERVAL: "0.1", CF_PROPAGATION_TIMEOUT: "5" },
    });
    await m.start();
    expect(m.problems()).toEqual([]);
    m.setWanted([{ resolver: "cf", domains: { main: "*.example.test", sans: ["example.test"] } }]);
    // On a timeout, show what the manager logged and what the API saw (a rare CI flake to explain).
    const issued = await waitFor(() => m.certificates().length === 1, 20_000);
    if (!issued) console.error(`DNS-01 did not finish:\n${lines.join("\n")}\nCloudflare API calls: ${JSON.stringify(cf.log.slice(before))}\nstatus: ${JSON.stringify(m.status())}`);
    expect(issued).toBe(true);
    const cert = m.certificates()[0]!;
    expect(sans(cert)).toEqual(["*.example.test", "example.test"]);
    expect((await verifyWithOpenssl(cert, "dns")).code).toBe(0);

    const calls = cf.log.slice(before);
    expect(calls.filter((c) => c.method === "POST" && c.path.endsWith("/dns_records"))).toHaveLength(2);
    expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(2);
    expect(calls.every((c) => c.auth === "token")).toBe(true);
    expect(cf.records()).toEqual([]);
    const r = new Resolver();
    r.setServers([pebble.dnsServer]);
    const left = await r.resolveTxt("_acme-challenge.example.test").catch(() => []);
    expect(left).toEqual([]);
    const text = lines.join("");
    expect(text).toContain("DNS-01 TXT record visible");
    expect(text).not.toContain("dns-token");
  });

  test("without resolvers, the check asks the zone's name servers; the global key authenticates", async () => {
    const before = cf.log.length;
    const { log, lines } = captureLogger();
    const m = manager({
      resolvers: { cf: dnsResolver(pebble.directoryUrl, join(dir, "dns-ns", "acme.json"), []) },
      log,
      env: { ...caEnv(), CF_API_EMAIL: "admin@example.test", CF_API_KEY: "global-key", CLOUDFLARE_BASE_URL: cf.baseUrl, CF_POLLING_INTERVAL: "0.1" },
    });
    await m.start();
    m.setWanted([{ resolver: "cf", domains: { main: "ns.example.test", sans: [] } }]);
    expect(await waitFor(() => m.certificates().length === 1, 15_000)).toBe(true);
    expect(lines.join("")).toContain(`servers=${pebble.dnsServer}`);
    expect(cf.log.slice(before).every((c) => c.auth === "key")).toBe(true);
    expect(lines.join("")).not.toContain("global-key");
  });

  test("a propagation check that never sees the value fails the order and still removes the records", async () => {
    const before = cf.log.length;
    const m = manager({
      // Ask a DNS server that does not hold the records: the check can never succeed.
      resolvers: { cf: dnsResolver(pebble.directoryUrl, join(dir, "dns-fail", "acme.json"), ["127.0.0.1:9"]) },
      log: captureLogger().log,
      env: { ...caEnv(), CF_DNS_API_TOKEN: "dns-token", CLOUDFLARE_BASE_URL: cf.baseUrl, CF_POLLING_INTERVAL: "0.1", CF_PROPAGATION_TIMEOUT: "0.5" },
    });
    await m.start();
    m.setWanted([{ resolver: "cf", domains: { main: "fail.example.test", sans: [] } }]);
    expect(await waitFor(() => m.status()[0]?.failures === 1, 15_000)).toBe(true);
    expect(m.status()[0]!.lastError).toContain("not visible");
    const calls = cf.log.slice(before);
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(1);
    expect(await waitFor(() => cf.log.slice(before).some((c) => c.method === "DELETE"), 5000)).toBe(true);
    expect(cf.records()).toEqual([]);
    expect(m.certificates()).toEqual([]);
  });

  test("wrong Cloudflare credentials: the order fails with the API's answer", async () => {
    const m = manager({
      resolvers: { cf: dnsResolver(pebble.directoryUrl, join(dir, "dns-auth", "acme.json"), [pebble.dnsServer]) },
      log: captureLogger().log,
      env: { ...caEnv(), CF_API_EMAIL: "admin@example.test", CF_API_KEY: "wrong", CLOUDFLARE_BASE_URL: cf.baseUrl },
    });
    await m.start();
    m.setWanted([{ resolver: "cf", domains: { main: "auth.example.test", sans: [] } }]);
    expect(await waitFor(() => m.status()[0]?.failures === 1, 15_000)).toBe(true);
    expect(m.status()[0]!.lastError).toContain("Authentication error");
    expect(cf.log.at(-1)?.auth).toBe("none");
  });
});

describe("storage reuse and renewal", () => {
  test("a stored certificate is reused without an order; one inside the window is renewed", async () => {
    const storage = join(dir, "renew", "acme.json");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "renew"), { recursive: true });
    copyFileSync(join(dir, "http", "acme.json"), storage);
    chmodSync(storage, 0o600);
    const original = JSON.parse(readFileSync(storage, "utf8"));
    const oldPem = Buffer.from(original.le.Certificates[0].certificate, "base64").toString();
    const notAfter = new X509Certificate(oldPem).validToDate.getTime();

    // Outside the window: loaded, served, no order.
    const calm = manager({ resolvers: { le: httpResolver(pebble.directoryUrl, storage) }, log: captureLogger().log, env: caEnv() });
    await calm.start();
    calm.setWanted([{ resolver: "le", domains: { main: "a.example.test", sans: ["b.example.test"] } }]);
    await Bun.sleep(100);
    await calm.idle();
    expect(calm.certificates().map((c) => c.certPem)).toEqual([oldPem]);
    expect(calm.status()[0]!.orders).toBe(0);
    calm.stop();

    // Ten days before expiry (inside the 30-day window for certificatesDuration 2160).
    const shift = notAfter - 10 * 86400_000 - Date.now();
    const m = manager({ resolvers: { le: httpResolver(pebble.directoryUrl, storage) }, log: captureLogger().log, env: caEnv(), now: () => Date.now() + shift });
    let changes = 0;
    m.onChange(() => changes++);
    await m.start();
    expect(m.certificates().map((c) => c.certPem)).toEqual([oldPem]);
    expect(await waitFor(() => m.certificates()[0]?.certPem !== oldPem, 15_000)).toBe(true);
    expect(m.status()[0]!.orders).toBe(1);
    expect(changes).toBe(2); // loaded, then renewed
    const renewed = JSON.parse(readFileSync(storage, "utf8"));
    expect(Buffer.from(renewed.le.Certificates[0].certificate, "base64").toString()).toBe(m.certificates()[0]!.certPem);
    expect(renewed.le.Certificates).toHaveLength(1);
  });

  test("a failed renewal (CA stopped) keeps the old certificate and backs off", async () => {
    const storage = join(dir, "renew", "acme.json");
    const stored = JSON.parse(readFileSync(storage, "utf8"));
    const pem = Buffer.from(stored.le.Certificates[0].certificate, "base64").toString();
    const shift = new X509Certificate(pem).validToDate.getTime() - 10 * 86400_000 - Date.now();
    await pebble.stopCa();
    try {
      const { log, lines } = captureLogger();
      const m = manager({ resolvers: { le: httpResolver(pebble.directoryUrl, storage) }, log, env: caEnv(), now: () => Date.now() + shift });
      await m.start();
      expect(await waitFor(() => m.status()[0]?.failures === 1, 10_000)).toBe(true);
      const st = m.status()[0]!;
      expect(m.certificates().map((c) => c.certPem)).toEqual([pem]);
      expect(st.lastError).toContain(pebble.directoryUrl);
      expect(st.lastError).not.toContain("response.config");
      expect(st.nextAttemptAt!.getTime() - (Date.now() + shift)).toBeGreaterThan(50_000);
      await Bun.sleep(300);
      expect(m.status()[0]!.orders).toBe(1);
      expect(readFileSync(storage, "utf8")).toBe(JSON.stringify(stored, null, 2) + "\n");
      expect(lines.join("")).toContain("renewal failed; the current certificate stays in use");
      m.stop();
    } finally {
      await pebble.startCa();
    }
  });
});

describe("external account binding", () => {
  test("a CA that requires EAB accepts the resolver's kid + hmacEncoded, and refuses without", async () => {
    const hmac = Buffer.from("0123456789abcdef0123456789abcdef").toString("base64url");
    const eabPebble = await startPebble({ eabKeys: { "kid-1": hmac } });
    const srv = Bun.serve({ hostname: "127.0.0.1", port: eabPebble.httpPort, fetch: (req) => httpChallengeResponse({ httpChallenge: (t) => current?.httpChallenge(t) }, new URL(req.url).pathname) ?? new Response("", { status: 404 }) });
    try {
      const env = { LEGO_CA_CERTIFICATES: eabPebble.listenerCaFile };
      const without = manager({ resolvers: { le: httpResolver(eabPebble.directoryUrl, join(dir, "eab0", "acme.json")) }, log: captureLogger().log, env });
      await without.start();
      without.setWanted([{ resolver: "le", domains: { main: "eab0.example.test", sans: [] } }]);
      expect(await waitFor(() => without.status()[0]?.failures === 1, 10_000)).toBe(true);
      expect(without.status()[0]!.lastError).toContain("externalAccountBinding");
      without.stop();

      const m = manager({ resolvers: { le: httpResolver(eabPebble.directoryUrl, join(dir, "eab", "acme.json"), { eab: { kid: "kid-1", hmacEncoded: hmac } }) }, log: captureLogger().log, env });
      await m.start();
      m.setWanted([{ resolver: "le", domains: { main: "eab.example.test", sans: [] } }]);
      expect(await waitFor(() => m.certificates().length === 1, 15_000)).toBe(true);
    } finally {
      srv.stop(true);
      await eabPebble.stop();
    }
  });
});
