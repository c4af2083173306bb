import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBenchCert, TLS_HOST } from "./certs.ts";

const openssl = Bun.which("openssl");
const dir = mkdtempSync(join(tmpdir(), "sluice-bench-certs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function text(cmd: string[]): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  return r.stdout.toString() + r.stderr.toString();
}

test.skipIf(!openssl)("an EC P-256 leaf for localhost, signed by the throwaway CA", () => {
  const cert = makeBenchCert(openssl!, dir);
  expect(text([openssl!, "verify", "-CAfile", cert.caFile, cert.certFile])).toContain(": OK");
  const info = text([openssl!, "x509", "-in", cert.certFile, "-noout", "-text"]);
  expect(info).toContain("prime256v1");
  expect(info).toContain(`DNS:${TLS_HOST}`);
  expect(info).toContain("IP Address:127.0.0.1");
  expect(info).toContain("TLS Web Server Authentication");
  expect(text([openssl!, "pkey", "-in", cert.keyFile, "-noout", "-text"])).toContain("prime256v1");
});

test.skipIf(!openssl)("an openssl failure is reported", () => {
  expect(() => makeBenchCert(openssl!, join(dir, "missing-dir"))).toThrow(/openssl/);
});
