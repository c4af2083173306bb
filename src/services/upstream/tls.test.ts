// HTTPS upstreams through both clients: verification against a given CA and
// server name, refusal of an unknown certificate, insecureSkipVerify.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { selfSignedCert } from "../../../test/harness/certs.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FetchUpstreamClient } from "./fetch-client.ts";
import { PooledUpstreamClient } from "./pool-client.ts";
import { patternBytes, startServeBackend } from "./test-backends.ts";
import { UpstreamError, type UpstreamClient, type UpstreamRequest, type UpstreamTlsOptions } from "./types.ts";

const hasOpenssl = Bun.spawnSync(["openssl", "version"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
let dir = "";
let cert = "";
let server: ReturnType<typeof startServeBackend> | null = null;

beforeAll(() => {
  if (!hasOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), "sluice-upstream-tls-"));
  const pair = selfSignedCert(dir, "backend.test");
  cert = pair.certPem;
  server = startServeBackend(patternBytes(1024), { cert, key: pair.keyPem });
});

afterAll(() => {
  server?.stop(true);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function req(tls: UpstreamTlsOptions): UpstreamRequest {
  const target = new URL(`https://127.0.0.1:${server!.port}`);
  return {
    target,
    method: "GET",
    pathAndQuery: "/hello",
    headers: new Headers({ host: "app.example" }),
    body: null,
    timeouts: { dialTimeoutMs: 2000, responseHeaderTimeoutMs: 2000, idleConnTimeoutMs: 1000 },
    tls,
  };
}

const impls: [string, () => UpstreamClient][] = [
  ["fetch", () => new FetchUpstreamClient()],
  ["pool", () => new PooledUpstreamClient()],
];

for (const [name, make] of impls) {
  describe.skipIf(!hasOpenssl)(`HTTPS upstream: ${name}`, () => {
    const ok: [string, () => UpstreamTlsOptions][] = [
      ["verified with the given CA and server name", () => ({ serverName: "backend.test", ca: [cert] })],
      ["insecureSkipVerify accepts an unknown certificate", () => ({ insecureSkipVerify: true })],
    ];
    for (const [what, tls] of ok) {
      test(what, async () => {
        const client = make();
        try {
          const res = await client.request(req(tls()));
          expect(res.status).toBe(200);
          expect(await res.text()).toBe("hello world");
        } finally {
          client.close();
        }
      });
    }

    test("a socket opened without verification is not reused for a verified request", async () => {
      const client = make();
      try {
        expect((await client.request(req({ insecureSkipVerify: true }))).status).toBe(200);
        let err: unknown = null;
        try {
          await (await client.request(req({ serverName: "backend.test" }))).text();
        } catch (e) {
          err = e;
        }
        expect((err as UpstreamError | null)?.kind).toBe("refused");
      } finally {
        client.close();
      }
    });

    const refused: [string, () => UpstreamTlsOptions][] = [
      ["an unknown CA is refused", () => ({ serverName: "backend.test" })],
      ["a server name the certificate does not cover is refused", () => ({ serverName: "other.test", ca: [cert] })],
    ];
    for (const [what, tls] of refused) {
      test(what, async () => {
        const client = make();
        try {
          let err: unknown = null;
          try {
            await (await client.request(req(tls()))).text();
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(UpstreamError);
          expect((err as UpstreamError).kind).toBe("refused");
        } finally {
          client.close();
        }
      });
    }
  });
}
