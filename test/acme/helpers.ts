// Shared bits of the ACME tests: a captured logger, resolver configs, openssl.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CertificateResolverConfig } from "../../src/config/static/types.ts";
import { createLogger, type Logger } from "../../src/observability/logger.ts";

export function captureLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: "DEBUG", format: "common", sink: (l) => void lines.push(l) }), lines };
}

export function tempDir(prefix = "sluice-acme-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

type Acme = NonNullable<CertificateResolverConfig["acme"]>;

export function httpResolver(caServer: string, storage: string, extra: Partial<Acme> = {}): CertificateResolverConfig {
  return { acme: { email: "admin@example.test", caServer, storage, keyType: "EC256", certificatesDuration: 2160, httpChallenge: { entryPoint: "web" }, ...extra } };
}

export function dnsResolver(caServer: string, storage: string, resolvers: string[], extra: Partial<Acme> = {}): CertificateResolverConfig {
  return {
    acme: {
      email: "admin@example.test",
      caServer,
      storage,
      keyType: "EC256",
      certificatesDuration: 2160,
      dnsChallenge: { provider: "cloudflare", resolvers, delayBeforeCheckMs: 0 },
      ...extra,
    },
  };
}

/** Runs openssl; returns exit code and combined output. */
export function openssl(args: string[], cwd: string): { code: number; out: string } {
  const r = Bun.spawnSync(["openssl", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode ?? -1, out: r.stdout.toString() + r.stderr.toString() };
}

/** A self-signed certificate for `names` made by openssl, valid `days` days. */
export function selfSigned(dir: string, names: string[], days = 365): { certPem: string; keyPem: string } {
  const san = `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`;
  const r = openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ss.key", "-out", "ss.pem",
    "-days", String(days), "-subj", `/CN=${names[0]}`, "-addext", san], dir);
  if (r.code !== 0) throw new Error(r.out);
  return { certPem: readFileSync(join(dir, "ss.pem"), "utf8"), keyPem: readFileSync(join(dir, "ss.key"), "utf8") };
}
