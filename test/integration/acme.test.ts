// ACME through the real process, against a real CA (pebble) and its DNS
// (pebble-challtestsrv, which resolves every name to 127.0.0.1): a router
// with a certResolver gets its certificate over HTTP-01 on the web
// entrypoint, even with an https-only redirect on the same host, and serves
// it on websecure; curl verifies it against pebble's issuing root.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "../harness/ports.ts";
import { startPebble, type Pebble } from "../harness/pebble.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let pebble: Pebble;
let sluice: RunningSluice;
let dir: string;
let rootFile: string;

async function curl(args: string[]): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn(["curl", "-sS", "--max-time", "5", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: out + err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sluice-acme-it-"));
  const web = await freePort();
  pebble = await startPebble({ httpPort: web });
  sluice = await startSluice({
    entryPoints: ["web", "websecure", "traefik"],
    ports: { web },
    env: { LEGO_CA_CERTIFICATES: pebble.listenerCaFile },
    staticExtra: `certificatesResolvers:
  le:
    acme:
      email: admin@example.test
      caServer: ${pebble.directoryUrl}
      storage: ${join(dir, "acme.json")}
      keyType: EC256
      httpChallenge:
        entryPoint: web
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
  await pebble?.stop();
  rmSync(dir, { recursive: true, force: true });
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
    expect(sluice.output()).toContain("site.test");
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
