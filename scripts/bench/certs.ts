// The one certificate both TLS proxies serve: a throwaway CA and an EC P-256
// leaf for `localhost` (and 127.0.0.1), made with openssl at bench start.
// Clients send SNI `localhost` (it resolves to 127.0.0.1 here), so Sluice
// picks the leaf from its SNI table rather than its default certificate.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** The name clients connect to and send as SNI. */
export const TLS_HOST = "localhost";

export interface BenchCert {
  caFile: string;
  certFile: string;
  keyFile: string;
}

function run(openssl: string, args: string[], cwd: string): void {
  const r = Bun.spawnSync([openssl, ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.slice(0, 2).join(" ")} failed: ${r.stderr.toString().trim()}`);
}

const P256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** Writes ca.pem, leaf.pem and leaf.key into `dir` (which must exist). */
export function makeBenchCert(openssl: string, dir: string): BenchCert {
  run(openssl, ["req", "-x509", ...P256, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Sluice Bench CA"], dir);
  writeFileSync(join(dir, "leaf.ext"), `subjectAltName=DNS:${TLS_HOST},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`);
  run(openssl, ["req", ...P256, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", `/CN=${TLS_HOST}`], dir);
  run(openssl, ["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext"], dir);
  return { caFile: join(dir, "ca.pem"), certFile: join(dir, "leaf.pem"), keyFile: join(dir, "leaf.key") };
}
