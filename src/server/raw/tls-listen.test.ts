import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "node:net";
import * as tls from "node:tls";
import { makeCa, type TestCa } from "../../../test/harness/certs.ts";
import { buildTlsListeners } from "../../tls/listener-spec.ts";
import { defaultGeneratedCertificate } from "../../tls/self-signed.ts";
import { listenRawTls, type RawTlsListener } from "./tls-listen.ts";

// The raw front's TLS listener: a client that never completes its handshake
// is cut after readTimeout; one that completed it is not (the handshake timer
// stops), and certificates change in place.

let ca: TestCa;
let listener: RawTlsListener;

async function spec(names: string[][]) {
  const certificates = names.map((n) => ca.leaf(n));
  const { specs } = buildTlsListeners({
    tls: { certificates },
    entryPoints: new Map([["websecure", { routers: [] }]]),
    extraCertificates: [],
    generatedDefault: await defaultGeneratedCertificate(),
  });
  return specs.get("websecure")!;
}

beforeAll(async () => {
  ca = makeCa();
  listener = await listenRawTls({
    hostname: "127.0.0.1",
    port: 0,
    readTimeoutMs: 300,
    idleTimeoutSec: 30,
    spec: await spec([["a.test"]]),
    onRequest: (ex) => ex.end(Buffer.from(`hello ${ex.tls?.servername} ${ex.tls?.version}`)),
  });
});

afterAll(() => {
  listener.stop(true);
  ca.cleanup();
});

function tlsGet(servername: string, delayMs = 0): Promise<{ subject: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port: listener.port, host: "127.0.0.1", servername, ca: ca.caPem }, () => {
      const subject = String(s.getPeerCertificate().subject?.CN ?? "");
      let body = "";
      s.on("data", (d) => {
        body += d.toString();
        if (body.includes("hello")) {
          s.destroy();
          resolve({ subject, body });
        }
      });
      setTimeout(() => s.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\n\r\n`), delayMs);
    });
    s.on("error", reject);
    setTimeout(() => reject(new Error("timed out")), 3000);
  });
}

test("a connection that never starts its handshake is closed after readTimeout", async () => {
  const started = Date.now();
  const closedAfter = await new Promise<number>((resolve) => {
    const s = connect(listener.port, "127.0.0.1");
    s.on("error", () => {});
    s.on("close", () => resolve(Date.now() - started));
    setTimeout(() => resolve(-1), 3000);
  });
  expect(closedAfter).toBeGreaterThanOrEqual(250);
  expect(closedAfter).toBeLessThan(1500);
});

test("after the handshake, the handshake timer no longer applies", async () => {
  const r = await tlsGet("a.test", 600);
  expect(r.subject).toBe("a.test");
  expect(r.body).toContain("hello a.test 1.3");
});

test("a certificate added with update() is served to the next handshake", async () => {
  expect(listener.update(await spec([["a.test"], ["b.test"]]))).toBe(true);
  expect((await tlsGet("b.test")).subject).toBe("b.test");
});
