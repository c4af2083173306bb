// HTTPS upstreams on the raw path: CA + server name verified, unknown
// certificate refused (502 `refused`), insecureSkipVerify accepted.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { selfSignedCert } from "../../../test/harness/certs.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFront, type TestFront } from "./raw-forward.test-front.ts";
import { patternBytes, startServeBackend } from "./test-backends.ts";
import type { UpstreamTlsOptions } from "./types.ts";

const hasOpenssl = Bun.spawnSync(["openssl", "version"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
let dir = "";
let cert = "";
let server: ReturnType<typeof startServeBackend> | null = null;
const fronts: TestFront[] = [];

beforeAll(() => {
  if (!hasOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), "sluice-raw-tls-"));
  const pair = selfSignedCert(dir, "backend.test");
  cert = pair.certPem;
  server = startServeBackend(patternBytes(1024), { cert, key: pair.keyPem });
});

afterAll(() => {
  for (const f of fronts) f.stop();
  server?.stop(true);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function through(tls: () => UpstreamTlsOptions): Promise<{ status: number; body: string }> {
  const f = startFront(server!.port!, {}, { https: true, tls: tls() });
  fronts.push(f);
  const res = await fetch(`http://127.0.0.1:${f.port}/hello`, { proxy: false });
  return { status: res.status, body: await res.text() };
}

describe.skipIf(!hasOpenssl)("RawUpstreamPool over TLS", () => {
  test.each([
    ["verified with CA and server name", () => ({ ca: [cert], serverName: "backend.test" }), 200, "hello world"],
    ["unknown certificate is refused", () => ({ serverName: "backend.test" }), 502, "refused"],
    ["wrong server name is refused", () => ({ ca: [cert], serverName: "other.test" }), 502, "refused"],
    ["insecureSkipVerify accepts it", () => ({ insecureSkipVerify: true }), 200, "hello world"],
  ])("%s", async (_name, tls, status, body) => {
    expect(await through(tls)).toEqual({ status, body });
  });
});
