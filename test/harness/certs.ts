// Throwaway certificates for TLS tests, made with openssl: one CA, then
// leaves for server names (SANs, wildcards) or client authentication.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCa {
  dir: string;
  caPem: string;
  caFile: string;
  /** A server certificate for `names` (first = CN); returns file paths and PEM text. */
  leaf(names: string[], opts?: { days?: number; client?: boolean }): { certFile: string; keyFile: string; certPem: string; keyPem: string };
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  const r = Bun.spawnSync(["openssl", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.toString()}`);
}

export function makeCa(name = "Sluice Test CA"): TestCa {
  const dir = mkdtempSync(join(tmpdir(), "sluice-ca-"));
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", `/CN=${name}`], dir);
  let n = 0;
  return {
    dir,
    caFile: join(dir, "ca.pem"),
    caPem: readFileSync(join(dir, "ca.pem"), "utf8"),
    leaf(names, opts = {}) {
      const base = `leaf${++n}`;
      const san = names.map((h) => (/^[\d.]+$/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
      writeFileSync(join(dir, `${base}.ext`), `subjectAltName=${san}\nextendedKeyUsage=${opts.client ? "clientAuth" : "serverAuth"}\n`);
      openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${base}.key`, "-out", `${base}.csr`, "-subj", `/CN=${names[0]}`], dir);
      openssl(["x509", "-req", "-in", `${base}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${base}.pem`, "-days", String(opts.days ?? 30), "-extfile", `${base}.ext`], dir);
      const certFile = join(dir, `${base}.pem`);
      const keyFile = join(dir, `${base}.key`);
      return { certFile, keyFile, certPem: readFileSync(certFile, "utf8"), keyPem: readFileSync(keyFile, "utf8") };
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A self-signed EC certificate for `name` (its own CA), written into `dir`: for TLS backends in tests. */
export function selfSignedCert(dir: string, name: string): { certPem: string; keyPem: string } {
  openssl(
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", `/CN=${name}`, "-addext", `subjectAltName=DNS:${name}`, "-keyout", "key.pem", "-out", "cert.pem"],
    dir,
  );
  return { certPem: readFileSync(join(dir, "cert.pem"), "utf8"), keyPem: readFileSync(join(dir, "key.pem"), "utf8") };
}
