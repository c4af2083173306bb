// serversTransports.<n>.certificates: Sluice presents a client certificate to
// backends that require one (mTLS), through the real process, to a real
// Bun.serve backend that refuses handshakes without a certificate from its CA.
// The health check of that service presents it too (else the server would
// be marked down and the route answer 503).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { makeCa, type TestCa } from "../harness/certs.ts";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let ca: TestCa;
let backend: ReturnType<typeof Bun.serve>;
let sluice: RunningSluice;

beforeAll(async () => {
  ca = makeCa();
  const server = ca.leaf(["backend.test"]);
  const client = ca.leaf(["sluice-client"], { client: true });
  backend = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    tls: { cert: server.certPem, key: server.keyPem, ca: ca.caPem, requestCert: true, rejectUnauthorized: true },
    fetch: () => new Response("hello over mTLS"),
  });
  const url = `https://127.0.0.1:${backend.port}`;
  sluice = await startSluice({
    files: {
      "mtls.yml": `
http:
  routers:
    with-cert: { rule: "Host(\`with.test\`)", service: with-cert }
    without-cert: { rule: "Host(\`without.test\`)", service: without-cert }
  services:
    with-cert:
      loadBalancer:
        serversTransport: mtls
        servers: [{ url: "${url}" }]
        healthCheck: { path: /, interval: 200ms, timeout: 2s }
    without-cert:
      loadBalancer:
        serversTransport: plain
        servers: [{ url: "${url}" }]
  serversTransports:
    mtls:
      serverName: backend.test
      rootCAs: [${ca.caFile}]
      certificates:
        - { certFile: ${client.certFile}, keyFile: ${client.keyFile} }
    plain:
      serverName: backend.test
      rootCAs: [${ca.caFile}]
`,
    },
  });
});

afterAll(async () => {
  await sluice?.stop();
  backend?.stop(true);
  ca?.cleanup();
});

const get = async (host: string) => {
  const res = await fetch(sluice.url("web", "/"), { headers: { host } });
  return { status: res.status, body: await res.text() };
};

describe("client certificates to backends (serversTransports.certificates)", () => {
  test("with the certificate the backend answers, and keeps answering after health checks ran", async () => {
    expect(await get("with.test")).toEqual({ status: 200, body: "hello over mTLS" });
    await Bun.sleep(700);
    expect(await get("with.test")).toEqual({ status: 200, body: "hello over mTLS" });
  });

  test("without one the backend refuses the handshake: 502", async () => {
    expect((await get("without.test")).status).toBe(502);
  });
});
