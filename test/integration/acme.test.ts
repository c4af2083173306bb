// ACME through the real process, against a real CA (pebble) and its DNS
// (pebble-challtestsrv, which resolves every name to 127.0.0.1): a router
// with a certResolver gets its certificate over HTTP-01 on the web
// entrypoint, even with an https-only redirect on the same host, and serves
// it on websecure; curl verifies it against pebble's issuing root. A second
// resolver gets a wildcard over DNS-01 through the cloudflare SDK, pointed
// (CLOUDFLARE_BASE_URL) at the local emulator of Cloudflare's v4 API in
// test/harness/fake-cloudflare.ts, which writes the TXT records into
// challtestsrv; credentials are the CF_API_EMAIL/CF_API_KEY pair people use.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "../harness/ports.ts";
import { startPebble, type Pebble } from "../harness/pebble.ts";
import { startFakeCloudflare, type FakeCloudflare } from "../harness/fake-cloudflare.ts";
import { makeCa, type TestCa } from "../harness/certs.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let pebble: Pebble;
let cf: FakeCloudflare;
let sluice: RunningSluice;
let dir: string;
let rootFile: string;
let storedCa: TestCa;

async function curl(args: string[]): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn(["curl", "-sS", "--max-time", "5", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: out + err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sluice-acme-it-"));
  // An acme.json as an existing Traefik install leaves it: base64 PEMs under
  // the resolver's name, no account yet. Its certificate must serve at once.
  storedCa = makeCa("Stored CA");
  // 60 days left: outside the default renew window (30 days before expiry for 90-day certificates).
  const stored = storedCa.leaf(["stored.test"], { days: 60 });
  const b64 = (t: string) => Buffer.from(t).toString("base64");
  const acmeJson = { le: { Account: null, Certificates: [{ domain: { main: "stored.test" }, certificate: b64(stored.certPem), key: b64(stored.keyPem), Store: "default" }] } };
  writeFileSync(join(dir, "acme.json"), JSON.stringify(acmeJson, null, 2), { mode: 0o600 });
  const web = await freePort();
  pebble = await startPebble({ httpPort: web });
  cf = startFakeCloudflare({
    zones: ["wild.test"],
    globalKey: { email: "admin@wild.test", key: "global-key" },
    nameServers: [pebble.dnsServer],
    challManagementUrl: pebble.challManagementUrl,
  });
  sluice = await startSluice({
    entryPoints: ["web", "websecure", "traefik"],
    ports: { web },
    env: {
      LEGO_CA_CERTIFICATES: pebble.listenerCaFile,
      CF_API_EMAIL: "admin@wild.test",
      CF_API_KEY: "global-key",
      CLOUDFLARE_BASE_URL: cf.baseUrl,
      CF_POLLING_INTERVAL: "0.1",
    },
    staticExtra: `certificatesResolvers:
  le:
    acme:
      email: admin@example.test
      caServer: ${pebble.directoryUrl}
      storage: ${join(dir, "acme.json")}
      keyType: EC256
      httpChallenge:
        entryPoint: web
  cf:
    acme:
      email: admin@wild.test
      caServer: ${pebble.directoryUrl}
      storage: ${join(dir, "acme.json")}
      dnsChallenge:
        provider: cloudflare
        resolvers: ["${pebble.dnsServer}"]
        delayBeforeCheck: 0s
`,
    files: {
      "site.yml": `http:
  routers:
    site:
      rule: Host(\`site.test\`)
      entryPoints: [websecure]
      service: whoami@internal
      tls:
        certResolver: le
    site-http:
      rule: Host(\`site.test\`)
      entryPoints: [web]
      service: whoami@internal
      middlewares: [https-only]
    site2:
      rule: Host(\`site2.test\`)
      entryPoints: [websecure]
      service: whoami@internal
      tls:
        certResolver: le
    stored:
      rule: Host(\`stored.test\`)
      entryPoints: [websecure]
      service: whoami@internal
      tls:
        certResolver: le
    wild:
      rule: Host(\`www.wild.test\`)
      entryPoints: [websecure]
      service: whoami@internal
      tls:
        certResolver: cf
        domains:
          - main: "*.wild.test"
            sans: [wild.test]
  middlewares:
    https-only:
      redirectScheme:
        scheme: https
        permanent: true
`,
    },
  });
  writeFileSync((rootFile = join(dir, "root.pem")), await pebble.issuingRoot());
});

afterAll(async () => {
  await sluice?.stop();
  await cf?.stop();
  await pebble?.stop();
  rmSync(dir, { recursive: true, force: true });
  storedCa?.cleanup();
});

describe("ACME HTTP-01 end to end", () => {
  test("the certificate is obtained and verifies; the https-only redirect did not get in the way", async () => {
    const port = sluice.ports.websecure;
    const args = ["--cacert", rootFile, "--resolve", `site.test:${port}:127.0.0.1`, `https://site.test:${port}/ok`];
    const verified = await waitFor(async () => (await curl(args)).code === 0, 30_000, 250);
    if (!verified) console.log(sluice.output());
    expect(verified).toBe(true);
    expect((await curl(args)).out).toContain("GET /ok HTTP/");
    expect(statSync(join(dir, "acme.json")).mode & 0o777).toBe(0o600);
    // site2.test was ordered at the same time: the two orders share one account.
    const args2 = ["--cacert", rootFile, "--resolve", `site2.test:${port}:127.0.0.1`, `https://site2.test:${port}/`];
    expect(await waitFor(async () => (await curl(args2)).code === 0, 30_000, 250)).toBe(true);
    expect(sluice.output().match(/new account key created[^\n]*resolver=le/g)?.length).toBe(1);
    expect(sluice.output()).toContain("site.test");
  });

  test("DNS-01: a wildcard through the Cloudflare API, served for any one-label name, TXT records cleaned up", async () => {
    const port = sluice.ports.websecure;
    const args = (host: string) => ["--cacert", rootFile, "--resolve", `${host}:${port}:127.0.0.1`, `https://${host}:${port}/`];
    const verified = await waitFor(async () => (await curl(args("www.wild.test"))).code === 0, 30_000, 250);
    if (!verified) console.log(sluice.output());
    expect(verified).toBe(true);
    // The wildcard also covers names no router asked for (the handshake verifies; routing is another matter).
    const other = await curl(["--cacert", rootFile, "--resolve", `api.wild.test:${port}:127.0.0.1`, "-o", "/dev/null", "-w", "%{ssl_verify_result}", `https://api.wild.test:${port}/`]);
    expect(other.out).toBe("0");
    expect(cf.log.some((c) => c.method === "POST" && c.auth === "key")).toBe(true);
    expect(cf.records()).toEqual([]);
    expect(sluice.output()).not.toContain("global-key");
  });

  test("a certificate from a Traefik acme.json is served without a new order", async () => {
    const port = sluice.ports.websecure;
    const r = await curl(["--cacert", storedCa.caFile, "--resolve", `stored.test:${port}:127.0.0.1`, `https://stored.test:${port}/`]);
    if (r.code !== 0) console.log(sluice.output().split("\n").filter((l) => /stored|acme/i.test(l)).join("\n"));
    expect(r.code).toBe(0);
    expect(sluice.output()).not.toMatch(/order[^\n]*stored\.test/i);
  });

  test("plain HTTP to the host is redirected, but challenge paths are answered by Sluice", async () => {
    const web = sluice.ports.web;
    const redirect = await fetch(`http://127.0.0.1:${web}/page`, { headers: { host: "site.test" }, redirect: "manual" });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe("https://site.test/page");
    const unknownToken = await fetch(`http://127.0.0.1:${web}/.well-known/acme-challenge/nope`, { headers: { host: "site.test" }, redirect: "manual" });
    expect(unknownToken.status).toBe(404);
  });
});
