// A real ACME server for tests: Debian's pebble plus pebble-challtestsrv (DNS).
// Makes a throwaway CA and a 127.0.0.1 server certificate with openssl, starts
// both on free loopback ports, waits for readiness (bounded), fetches the
// issuing root, and stops everything by PID.
//
// HTTP-01: pebble connects to 127.0.0.1:<httpPort> (challtestsrv resolves
// every name to 127.0.0.1); the test serves the challenge there itself.
// DNS-01: TXT records live in challtestsrv (setTxt/clearTxt on its management port).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort, waitFor } from "./ports.ts";

export interface Pebble {
  dir: string;
  /** ACME directory URL. */
  directoryUrl: string;
  /** PEM file of the throwaway CA that signed pebble's own listener certificate (for LEGO_CA_CERTIFICATES). */
  listenerCaFile: string;
  /** PEM of the root that signs issued certificates (changes on every pebble start). */
  issuingRoot(): Promise<string>;
  /** Port pebble connects to for HTTP-01. */
  httpPort: number;
  /** challtestsrv DNS server, "127.0.0.1:port" (for dnsChallenge.resolvers). */
  dnsServer: string;
  /** challtestsrv management URL (set-txt / clear-txt). */
  challManagementUrl: string;
  /** Stops only pebble (the CA goes down); challtestsrv stays. */
  stopCa(): Promise<void>;
  /** Starts pebble again on the same ports. */
  startCa(): Promise<void>;
  stop(): Promise<void>;
}

function run(cmd: string[], cwd: string): void {
  const r = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr.toString()}`);
}

function makeCerts(dir: string): void {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  run(["openssl", "req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=sluice test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  run(["openssl", "req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], dir);
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  run(["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
    "-out", "server.pem", "-days", "2", "-extfile", "server.ext"], dir);
}

export interface PebbleOptions {
  /** Port pebble uses for HTTP-01 validation; default: a free one. */
  httpPort?: number;
  /** Readiness bound for each process. */
  readyTimeoutMs?: number;
  /** Require external account binding with these kid → base64url HMAC keys. */
  eabKeys?: Record<string, string>;
}

export async function startPebble(opts: PebbleOptions = {}): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-pebble-"));
  const procs: Subprocess[] = [];
  try {
    makeCerts(dir);
    const [acmePort, mgmtPort, dnsPort, challMgmtPort, tlsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const httpPort = opts.httpPort ?? (await freePort());
    const timeout = opts.readyTimeoutMs ?? 10_000;
    const ca = readFileSync(join(dir, "ca.pem"), "utf8");
    writeFileSync(join(dir, "pebble.json"), JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: join(dir, "server.pem"),
        privateKey: join(dir, "server.key"),
        httpPort,
        tlsPort,
        ocspResponderURL: "",
        externalAccountBindingRequired: !!opts.eabKeys,
        ...(opts.eabKeys ? { externalAccountMACKeys: opts.eabKeys } : {}),
      },
    }));
    const chall = Bun.spawn(["pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", `127.0.0.1:${dnsPort}`,
      "-management", `127.0.0.1:${challMgmtPort}`, "-http01", "", "-https01", "", "-tlsalpn01", ""], { cwd: dir, stdout: "ignore", stderr: "ignore" });
    procs.push(chall);
    const challManagementUrl = `http://127.0.0.1:${challMgmtPort}`;
    if (!(await waitFor(async () => (await fetch(`${challManagementUrl}/`)).status > 0, timeout))) throw new Error("pebble-challtestsrv did not start");

    let pebble: Subprocess | undefined;
    const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
    const startCa = async () => {
      pebble = Bun.spawn(["pebble", "-config", join(dir, "pebble.json"), "-dnsserver", `127.0.0.1:${dnsPort}`], {
        cwd: dir,
        env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" },
        stdout: "ignore",
        stderr: "ignore",
      });
      procs.push(pebble);
      if (!(await waitFor(async () => (await fetch(directoryUrl, { tls: { ca } })).ok, timeout))) throw new Error("pebble did not start");
    };
    const stopCa = async () => {
      if (!pebble) return;
      pebble.kill("SIGTERM");
      await pebble.exited;
      pebble = undefined;
    };
    await startCa();
    return {
      dir,
      directoryUrl,
      listenerCaFile: join(dir, "ca.pem"),
      issuingRoot: async () => await (await fetch(`https://127.0.0.1:${mgmtPort}/roots/0`, { tls: { ca } })).text(),
      httpPort,
      dnsServer: `127.0.0.1:${dnsPort}`,
      challManagementUrl,
      stopCa,
      startCa,
      stop: async () => {
        for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
        await Promise.all(procs.map((p) => p.exited));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const p of procs) p.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
