// passTLSClientCert: exact header values for certificates made with openssl
// (rich names, every SAN kind, a known serial), a chain from a real node:tls
// handshake (the trust store's root is not reported), both forms agreeing,
// and stripping of client-sent headers with and without a certificate.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls, { type DetailedPeerCertificate } from "node:tls";
import { X509Certificate } from "node:crypto";
import type { TlsConnection } from "../../server/raw/raw-socket.ts";
import { tlsConnectionOf } from "../../server/raw/node-socket.ts";
import { makeCa, type TestCa } from "../../../test/harness/certs.ts";
import { bothForms, mustBuildBoth } from "../raw-testing.ts";
import { buildKind } from "../testing.ts";
import "./index.ts";

const CERT = "x-forwarded-tls-client-cert";
const INFO = "x-forwarded-tls-client-cert-info";
const SERIAL_HEX = "0123456789ABCDEF0123";

let dir: string;
let ca: TestCa;
/** Rich subject/issuer names and every SAN kind, signed by a rich CA. */
let rich: { leaf: X509Certificate; ca: X509Certificate };

function openssl(args: string[]): void {
  const r = Bun.spawnSync(["openssl", ...args], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr.toString()}`);
}

/** A DetailedPeerCertificate shaped as node:tls builds it: leaf -> ... -> root whose issuer is itself. */
function detailed(chain: X509Certificate[], selfRoot: boolean): DetailedPeerCertificate {
  const nodes = chain.map((c) => ({ raw: c.raw, subject: {}, issuer: {} }) as unknown as DetailedPeerCertificate);
  nodes.forEach((n, i) => {
    if (i + 1 < nodes.length) n.issuerCertificate = nodes[i + 1];
  });
  if (selfRoot) nodes[nodes.length - 1].issuerCertificate = nodes[nodes.length - 1];
  return nodes[0];
}

function fakeTls(peer: DetailedPeerCertificate | null): TlsConnection {
  return { version: "1.3", cipher: "TLS_AES_128_GCM_SHA256", servername: "a.test", peerCertificate: () => peer };
}

const b64 = (c: X509Certificate) => c.raw.toString("base64");
const unix = (date: string) => String(Date.parse(date) / 1000);
const ALL_NAME = { country: true, province: true, locality: true, organization: true, organizationalUnit: true, commonName: true, serialNumber: true, domainComponent: true };
const { organizationalUnit: _subjectOnly, ...ALL_ISSUER } = ALL_NAME;
const ALL_INFO = { notAfter: true, notBefore: true, sans: true, serialNumber: true, subject: ALL_NAME, issuer: ALL_ISSUER };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sluice-ptc-"));
  ca = makeCa();
  const caSubj = "/DC=org/DC=cheese/O=Cheese/O=Cheese 2/OU=Signing/CN=Signing CA/CN=Signing CA 2/C=FR/C=US/L=TOULOUSE/L=LYON/ST=Signing State/ST=Signing State 2/serialNumber=CA-7";
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "rca.key", "-out", "rca.pem", "-days", "30", "-subj", caSubj]);
  const subj = "/serialNumber=S-41/DC=org/DC=cheese/O=Cheese/O=Cheese 2/OU=Section/OU=Section 2/CN=*.cheese.org/CN=*.cheese.com/C=FR/C=US/L=TOULOUSE/L=LYON/ST=Cheese org state/ST=Cheese com state/serialNumber=S-42/emailAddress=cert@cheese.org";
  writeFileSync(join(dir, "leaf.ext"), "subjectAltName=DNS:*.cheese.org,IP:10.0.1.0,email:test@cheese.org,URI:spiffe://cheese/svc,DNS:*.cheese.net,IP:2001:db8:0:0:1:0:0:1,IP:::ffff:10.0.0.9,email:x@cheese.net\nextendedKeyUsage=clientAuth\n");
  openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", subj]);
  openssl(["x509", "-req", "-in", "leaf.csr", "-CA", "rca.pem", "-CAkey", "rca.key", "-set_serial", `0x${SERIAL_HEX}`, "-out", "leaf.pem", "-days", "10", "-extfile", "leaf.ext"]);
  rich = { leaf: new X509Certificate(readFileSync(join(dir, "leaf.pem"))), ca: new X509Certificate(readFileSync(join(dir, "rca.pem"))) };
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  ca?.cleanup();
});

/** What both forms forwarded for one request, after checking they agree. */
async function forwarded(options: Record<string, unknown>, peer: DetailedPeerCertificate | null, headers: [string, string][] = [], withTls = true) {
  const { request, raw } = await bothForms(mustBuildBoth("passTLSClientCert", options), { headers, conn: withTls ? { tls: fakeTls(peer), scheme: "https" } : {} });
  expect(raw).toEqual(request);
  expect(request.answered).toBeNull();
  return request.forwarded!.headers;
}

describe("passTLSClientCert header values", () => {
  test("pem: the base64 DER of the leaf, no PEM armour, no newlines, not URL-escaped", async () => {
    const leaf = ca.leaf(["client"], { client: true });
    const cert = new X509Certificate(leaf.certPem);
    const h = await forwarded({ pem: true }, detailed([cert, new X509Certificate(ca.caPem)], true));
    const armourless = leaf.certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\n/g, "");
    expect(h[CERT]).toBe(armourless);
    expect(h[INFO]).toBeUndefined();
  });

  test("info with every field: Traefik's order, repeated and last-value attributes, SANs grouped by kind", async () => {
    const h = await forwarded({ info: ALL_INFO }, detailed([rich.leaf, rich.ca], true));
    const expected = [
      `Subject="DC=org,DC=cheese,C=FR,C=US,ST=Cheese org state,ST=Cheese com state,L=TOULOUSE,L=LYON,O=Cheese,O=Cheese 2,OU=Section,OU=Section 2,SN=S-42,CN=*.cheese.com"`,
      `Issuer="DC=org,DC=cheese,C=FR,C=US,ST=Signing State,ST=Signing State 2,L=TOULOUSE,L=LYON,O=Cheese,O=Cheese 2,SN=CA-7,CN=Signing CA 2"`,
      `SerialNumber="${BigInt(`0x${SERIAL_HEX}`).toString()}"`,
      `NB="${unix(rich.leaf.validFrom)}"`,
      `NA="${unix(rich.leaf.validTo)}"`,
      `SAN="*.cheese.org,*.cheese.net,test@cheese.org,x@cheese.net,10.0.1.0,2001:db8::1:0:0:1,10.0.0.9,spiffe://cheese/svc"`,
    ].join(";");
    expect(decodeURIComponent(h[INFO].replace(/\+/g, " "))).toBe(expected);
    // Go's url.QueryEscape: space as "+", everything but [A-Za-z0-9-_.~] escaped.
    expect(h[INFO]).toStartWith("Subject%3D%22DC%3Dorg%2CDC%3Dcheese%2CC%3DFR%2CC%3DUS%2CST%3DCheese+org+state%2C");
    expect(h[INFO]).toContain("CN%3D%2A.cheese.com%22%3BIssuer");
    expect(h[INFO]).not.toMatch(/[^A-Za-z0-9\-_.~%+]/);
  });

  test("info with some fields; absent attributes and empty names leave their field out", async () => {
    const options = { info: { notAfter: true, subject: { organization: true, locality: false }, issuer: { domainComponent: true } } };
    const h = await forwarded(options, detailed([rich.leaf, rich.ca], true));
    expect(h[INFO]).toBe(`Subject%3D%22O%3DCheese%2CO%3DCheese+2%22%3BIssuer%3D%22DC%3Dorg%2CDC%3Dcheese%22%3BNA%3D%22${unix(rich.leaf.validTo)}%22`);
    // The harness CA has a CN only, its leaves no OU: both names come out empty.
    const plain = new X509Certificate(ca.leaf(["plain"], { client: true }).certPem);
    const none = await forwarded({ info: { subject: { organizationalUnit: true }, issuer: { country: true }, sans: true } }, detailed([plain], false));
    expect(none[INFO]).toBe(`SAN%3D%22plain%22`);
  });

  test("info: {} still sets the header, empty (as Traefik with a non-nil info)", async () => {
    const h = await forwarded({ info: {} }, detailed([rich.leaf], false));
    expect(h[INFO]).toBe("");
  });

  test("a real handshake: the chain the client sent (leaf, intermediate) in order, not the trusted root", async () => {
    const chain = await handshakeChain();
    const [leaf, inter] = [new X509Certificate(chain.leafPem), new X509Certificate(chain.interPem)];
    const h = await forwarded({ pem: true, info: { subject: { commonName: true }, issuer: { commonName: true } } }, chain.peer);
    expect(h[CERT]).toBe(`${b64(leaf)},${b64(inter)}`);
    expect(decodeURIComponent(h[INFO].replace(/\+/g, " "))).toBe(`Subject="CN=chain client";Issuer="CN=Chain Inter",Subject="CN=Chain Inter";Issuer="CN=Chain Root"`);
  });
});

describe("passTLSClientCert stripping", () => {
  const spoofed: [string, string][] = [
    ["X-Forwarded-Tls-Client-Cert", "forged"],
    ["x-forwarded-tls-client-cert-info", "Subject%3D%22CN%3Dadmin%22"],
    ["X-Other", "kept"],
  ];

  test.each([
    ["a TLS connection without a client certificate", true],
    ["no TLS facts at all (SLUICE_FRONT=serve: Bun.serve exposes no peer certificate)", false],
  ])("%s: client-sent headers are removed, nothing is added", async (_name, withTls) => {
    const h = await forwarded({ pem: true, info: ALL_INFO }, null, spoofed, withTls);
    expect(h[CERT]).toBeUndefined();
    expect(h[INFO]).toBeUndefined();
    expect(h["x-other"]).toBe("kept");
  });

  test("with a certificate, client-sent values are replaced, also the header that is not configured", async () => {
    const cert = new X509Certificate(ca.leaf(["c"], { client: true }).certPem);
    const h = await forwarded({ pem: true }, detailed([cert], false), spoofed);
    expect(h[CERT]).toBe(b64(cert));
    expect(h[INFO]).toBeUndefined();
  });

  test("neither pem nor info: a warning, and the middleware only strips", async () => {
    const { middleware, problems } = buildKind("passTLSClientCert", {});
    expect(middleware).toBeDefined();
    expect(problems.map((p) => p.message).join()).toContain("neither pem nor info");
    const cert = new X509Certificate(ca.leaf(["c"], { client: true }).certPem);
    const h = await forwarded({}, detailed([cert], false), spoofed);
    expect(h[CERT]).toBeUndefined();
    expect(h[INFO]).toBeUndefined();
    expect(h["x-other"]).toBe("kept");
  });
});

describe("passTLSClientCert options", () => {
  test.each([
    [{ pem: "yes" }, "pem", "expected true or false"],
    [{ info: "all" }, "info", "expected a mapping"],
    [{ info: { subject: { commonName: 3 } } }, "info.subject.commonName", "expected true or false"],
  ])("%j is refused at %s", (options, path, message) => {
    const { middleware, problems } = buildKind("passTLSClientCert", options);
    expect(middleware).toBeUndefined();
    expect(problems).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining(message) }));
  });

  test("keys are case-insensitive; an issuer organizationalUnit (not in Traefik) is an unknown-key warning", async () => {
    const { middleware, problems } = buildKind("passTLSClientCert", { PEM: "true", Info: { Issuer: { organizationalUnit: true, CommonName: true } } });
    expect(middleware).toBeDefined();
    expect(problems).toEqual([expect.objectContaining({ path: "info.issuer.organizationalUnit", severity: "warning" })]);
    const h = await forwarded({ PEM: "true", Info: { Issuer: { organizationalUnit: true, CommonName: true } } }, detailed([rich.leaf], false));
    expect([h[CERT], h[INFO]]).toEqual([b64(rich.leaf), "Issuer%3D%22CN%3DSigning+CA+2%22"]);
  });
});

/** A node:tls handshake where the client sends leaf + intermediate and the server trusts only the root. */
async function handshakeChain(): Promise<{ peer: DetailedPeerCertificate; leafPem: string; interPem: string }> {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  writeFileSync(join(dir, "inter.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  openssl(["req", "-x509", ...ec, "-keyout", "root.key", "-out", "root.pem", "-days", "5", "-subj", "/CN=Chain Root"]);
  openssl(["req", ...ec, "-keyout", "inter.key", "-out", "inter.csr", "-subj", "/CN=Chain Inter"]);
  openssl(["x509", "-req", "-in", "inter.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial", "-out", "inter.pem", "-days", "5", "-extfile", "inter.ext"]);
  openssl(["req", ...ec, "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=chain client"]);
  openssl(["x509", "-req", "-in", "client.csr", "-CA", "inter.pem", "-CAkey", "inter.key", "-CAcreateserial", "-out", "client.pem", "-days", "5", "-extfile", "client.ext"]);
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  const server = ca.leaf(["chain.test"]);
  const srv = tls.createServer({ cert: server.certPem, key: server.keyPem, ca: [read("root.pem")], requestCert: true, rejectUnauthorized: true });
  try {
    const peer = new Promise<DetailedPeerCertificate>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no handshake in time")), 5000);
      srv.on("secureConnection", (socket) => {
        clearTimeout(timer);
        const leaf = tlsConnectionOf(socket).peerCertificate();
        socket.destroy();
        if (leaf) resolve(leaf);
        else reject(new Error("no client certificate"));
      });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    const client = tls.connect({ host: "127.0.0.1", port, servername: "chain.test", ca: [ca.caPem], cert: read("client.pem") + read("inter.pem"), key: read("client.key") });
    client.on("error", () => {});
    try {
      return { peer: await peer, leafPem: read("client.pem"), interPem: read("inter.pem") };
    } finally {
      client.destroy();
    }
  } finally {
    srv.close();
  }
}
