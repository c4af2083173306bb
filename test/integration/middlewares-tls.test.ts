// passTLSClientCert through the real Sluice process, with curl --cert on
// TLS routers whose options ask for a client certificate. The `ptc.test`
// router's only middleware is passTLSClientCert (its raw form on the raw
// front); `ptc2.test` chains it with compress (no raw form: the Request form
// with the connection's TLS facts). Requests go over HTTP/1.1 unless a test
// says otherwise (see the HTTP/2 gap below). On SLUICE_FRONT=serve, Bun.serve
// does not expose the client certificate: the middleware then only strips
// the client-sent headers, so only that part is checked there.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { makeCa, type TestCa } from "../harness/certs.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

const SERVE_FRONT = process.env.SLUICE_FRONT === "serve";
const CERT = "x-forwarded-tls-client-cert";
const INFO = "x-forwarded-tls-client-cert-info";

let ca: TestCa;
let sluice: RunningSluice;
let backend: ReturnType<typeof Bun.serve>;
let client: ReturnType<TestCa["leaf"]>;

/** The request headers the backend saw, via curl over TLS (optionally with a client certificate). */
async function seen(host: string, opts: { cert?: boolean; headers?: string[]; http2?: boolean } = {}): Promise<{ status: number; headers: Record<string, string> }> {
  const port = sluice.ports.websecure;
  const extra = [opts.http2 ? "--http2" : "--http1.1", ...(opts.cert ? ["--cert", client.certFile, "--key", client.keyFile] : []), ...(opts.headers ?? []).flatMap((h) => ["-H", h])];
  const proc = Bun.spawn(["curl", "-sS", "--max-time", "5", "--cacert", ca.caFile, "--resolve", `${host}:${port}:127.0.0.1`, "-w", "\n%{http_code}", ...extra, `https://${host}:${port}/`], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  const lines = out.split("\n");
  const status = Number(lines.pop());
  return { status, headers: status === 200 ? (JSON.parse(lines.join("\n")) as Record<string, string>) : {} };
}

/** Go's url.QueryEscape, built independently of Sluice's: encodeURIComponent plus !'()* and "+" for spaces. */
function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

beforeAll(async () => {
  ca = makeCa();
  client = ca.leaf(["client", "c2.test", "10.1.2.3"], { client: true });
  backend = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch: (req) => Response.json(Object.fromEntries(req.headers)) });
  const server = ca.leaf(["ptc.test", "ptc2.test"]);
  sluice = await startSluice({
    entryPoints: ["web", "websecure", "traefik"],
    files: {
      "ptc.yml": `
http:
  routers:
    ptc:
      rule: Host(\`ptc.test\`)
      entryPoints: [websecure]
      middlewares: [ptc-all]
      service: echo
      tls:
        options: maybe-cert
    ptc2:
      rule: Host(\`ptc2.test\`)
      entryPoints: [websecure]
      middlewares: [ptc-pem, gzip]
      service: echo
      tls:
        options: need-cert
  middlewares:
    ptc-all:
      passTLSClientCert:
        pem: true
        info:
          notAfter: true
          notBefore: true
          sans: true
          serialNumber: true
          subject: {commonName: true, country: true, organization: true}
          issuer: {commonName: true, domainComponent: true}
    ptc-pem:
      passTLSClientCert: {pem: true}
    gzip:
      compress: {}
  services:
    echo:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:${backend.port}"}]
tls:
  options:
    maybe-cert:
      clientAuth: {caFiles: [${ca.caFile}], clientAuthType: VerifyClientCertIfGiven}
    need-cert:
      clientAuth: {caFiles: [${ca.caFile}], clientAuthType: RequireAndVerifyClientCert}
  certificates:
    - {certFile: ${server.certFile}, keyFile: ${server.keyFile}}
`,
    },
  });
});

afterAll(async () => {
  await sluice?.stop();
  backend?.stop(true);
  ca?.cleanup();
});

describe("passTLSClientCert", () => {
  const forged = [`X-Forwarded-Tls-Client-Cert: forged`, `X-Forwarded-Tls-Client-Cert-Info: Subject%3D%22CN%3Dadmin%22`];

  test.skipIf(SERVE_FRONT)("with a client certificate: its PEM body and Traefik's info string reach the backend (raw form)", async () => {
    const cert = new X509Certificate(client.certPem);
    const { status, headers } = await seen("ptc.test", { cert: true, headers: forged });
    expect(status).toBe(200);
    // Only the certificate curl sent; the CA completing the chain on the server side is not included.
    expect(headers[CERT]).toBe(client.certPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\n/g, ""));
    const info = [
      `Subject="CN=client"`,
      `Issuer="CN=Sluice Test CA"`,
      `SerialNumber="${BigInt(`0x${cert.serialNumber}`)}"`,
      `NB="${Date.parse(cert.validFrom) / 1000}"`,
      `NA="${Date.parse(cert.validTo) / 1000}"`,
      `SAN="client,c2.test,10.1.2.3"`,
    ].join(";");
    expect(headers[INFO]).toBe(goQueryEscape(info));
  });

  test.skipIf(SERVE_FRONT)("chained with a middleware without a raw form: the Request form sees the certificate too", async () => {
    const { status, headers } = await seen("ptc2.test", { cert: true, headers: forged });
    expect(status).toBe(200);
    expect(headers[CERT]).toBe(client.certPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\n/g, ""));
    expect(headers[INFO]).toBeUndefined();
  });

  (SERVE_FRONT ? test.skip : test)("over HTTP/2 the certificate reaches the backend too", async () => {
    const { status, headers } = await seen("ptc.test", { cert: true, http2: true, headers: forged });
    expect(status).toBe(200);
    expect(headers[CERT]).toBe(client.certPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\n/g, ""));
  });

  test("without a client certificate, client-sent headers are removed and none are added", async () => {
    const { status, headers } = await seen("ptc.test", { headers: [...forged, "X-Other: kept"] });
    expect(status).toBe(200);
    expect(headers[CERT]).toBeUndefined();
    expect(headers[INFO]).toBeUndefined();
    expect(headers["x-other"]).toBe("kept");
  });

  test("forged headers never reach the backend, whatever the front (serve: strip only)", async () => {
    for (const [host, http2] of [["ptc.test", false], ["ptc2.test", false], ["ptc.test", true]] as const) {
      const { status, headers } = await seen(host, { cert: true, headers: forged, http2 });
      expect(status).toBe(200);
      expect(headers[CERT]).not.toBe("forged");
      expect(headers[INFO]).not.toBe("Subject%3D%22CN%3Dadmin%22");
      // On Bun.serve nothing is added: the certificate is not visible there.
      if (SERVE_FRONT) expect(`${headers[CERT]} ${headers[INFO]}`).toBe("undefined undefined");
    }
  });
});
