import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GlobalServersTransport } from "../config/static/types.ts";
import { resolveTransport } from "./transport.ts";

const GLOBAL: GlobalServersTransport = {
  insecureSkipVerify: false,
  rootCAs: [],
  maxIdleConnsPerHost: 200,
  forwardingTimeouts: { dialTimeoutMs: 30_000, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 90_000 },
};
const dir = mkdtempSync(join(tmpdir(), "sluice-transport-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));

describe("resolveTransport: certificates (client certificate for backends)", () => {
  const cert = file("c.pem", "CERT PEM");
  const key = file("c.key", "KEY PEM");

  test("the certificate and key are read into the TLS options, and change the transport's identity", () => {
    const none = resolveTransport(GLOBAL, {});
    const { transport, errors, warnings } = resolveTransport(GLOBAL, { certificates: [{ certFile: cert, keyFile: key }] });
    expect([errors, warnings]).toEqual([[], []]);
    expect([transport.tls.cert, transport.tls.key]).toEqual(["CERT PEM", "KEY PEM"]);
    expect(transport.key).not.toBe(none.transport.key);
  });

  test("several: the first is used, with a warning", () => {
    const r = resolveTransport(GLOBAL, { certificates: [{ certFile: cert, keyFile: key }, { certFile: key, keyFile: cert }] });
    expect(r.transport.tls.cert).toBe("CERT PEM");
    expect(r.warnings).toEqual(["certificates: 2 given, only the first is presented to backends"]);
  });

  test("an unreadable file is an error and no certificate is presented", () => {
    const r = resolveTransport(GLOBAL, { certificates: [{ certFile: join(dir, "missing.pem"), keyFile: key }] });
    expect(r.errors[0]).toMatch(/^certificates\[0\]: cannot read/);
    expect(r.transport.tls.cert).toBeUndefined();
  });
});

describe("resolveTransport: HTTP/2 pings (h2c:// servers)", () => {
  test.each([
    [{}, 0, 15_000],
    [{ readIdleTimeout: "5s" }, 5_000, 15_000],
    [{ readIdleTimeout: "100ms", pingTimeout: "2s" }, 100, 2_000],
  ])("forwardingTimeouts %p -> ping every %p ms, give up after %p ms (Traefik's defaults: off, 15 s)", (ft, every, patience) => {
    const { transport, errors } = resolveTransport(GLOBAL, { forwardingTimeouts: ft });
    expect(errors).toEqual([]);
    expect([transport.timeouts.readIdleTimeoutMs, transport.timeouts.pingTimeoutMs]).toEqual([every, patience]);
  });

  test("a bad duration is an error naming the field", () => {
    expect(resolveTransport(GLOBAL, { forwardingTimeouts: { pingTimeout: "soon" } }).errors[0]).toMatch(/^forwardingTimeouts\.pingTimeout: /);
  });
});
