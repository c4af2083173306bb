// The DER reader against certificates openssl made (checked with node's own
// X509Certificate), Go's IP formatting, and malformed input.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeCa, type TestCa } from "../../../test/harness/certs.ts";
import { certHeaderValues, queryEscape } from "./cert-headers.ts";
import { certFields, ipString } from "./x509-fields.ts";
import type { DetailedPeerCertificate } from "node:tls";

let ca: TestCa;
beforeAll(() => {
  ca = makeCa("Fields CA");
});
afterAll(() => ca?.cleanup());

describe("certFields", () => {
  test.each([
    ["UTCTime validity", 30],
    ["GeneralizedTime validity (after 2049)", 15000],
  ])("%s, serial, names and SANs match node's reading", (_name, days) => {
    const leaf = new X509Certificate(ca.leaf(["f.test", "10.9.8.7"], { days, client: true }).certPem);
    const f = certFields(leaf.raw);
    expect(f.notBefore).toBe(Date.parse(leaf.validFrom) / 1000);
    expect(f.notAfter).toBe(Date.parse(leaf.validTo) / 1000);
    expect(f.serialNumber).toBe(BigInt(`0x${leaf.serialNumber}`).toString());
    expect(f.subject).toEqual([{ oid: "2.5.4.3", value: "f.test" }]);
    expect(f.issuer).toEqual([{ oid: "2.5.4.3", value: "Fields CA" }]);
    expect([f.dnsNames, f.ipAddresses, f.emailAddresses, f.uris]).toEqual([["f.test"], ["10.9.8.7"], [], []]);
  });

  test("UTF-8 names are decoded (and escaped as UTF-8 bytes in the info header)", () => {
    const r = Bun.spawnSync(["openssl", "req", "-x509", "-utf8", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "u.key", "-out", "u.pem", "-days", "1", "-subj", "/CN=Zoë/O=Café Ltd"], { cwd: ca.dir, stderr: "pipe" });
    expect(r.exitCode).toBe(0);
    const cert = new X509Certificate(readFileSync(join(ca.dir, "u.pem")));
    const f = certFields(cert.raw);
    expect(f.subject.map((a) => a.value)).toEqual(["Zoë", "Café Ltd"]);
    const peer = { raw: cert.raw } as unknown as DetailedPeerCertificate;
    const name = { country: false, province: false, locality: false, organization: true, organizationalUnit: false, commonName: true, serialNumber: false, domainComponent: false };
    expect(certHeaderValues(peer, false, { notAfter: false, notBefore: false, sans: false, serialNumber: false, subject: name, issuer: null }).info).toBe(
      "Subject%3D%22O%3DCaf%C3%A9+Ltd%2CCN%3DZo%C3%AB%22",
    );
  });

  test("malformed DER throws; the info header is then left out, the PEM still goes", () => {
    expect(() => certFields(new Uint8Array([0x30, 0x82, 0x01]))).toThrow();
    expect(() => certFields(new Uint8Array([0x04, 0x00]))).toThrow();
    const bogus = { raw: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]) } as unknown as DetailedPeerCertificate;
    expect(certHeaderValues(bogus, true, { notAfter: true, notBefore: false, sans: false, serialNumber: false, subject: null, issuer: null })).toEqual({
      pem: "MAMCAQE=",
      info: null,
    });
  });
});

test("queryEscape escapes like Go's url.QueryEscape", () => {
  expect(queryEscape("é !'()*~-_.aZ9\"=;,/+")).toBe("%C3%A9+%21%27%28%29%2A~-_.aZ9%22%3D%3B%2C%2F%2B");
});

describe("ipString (Go's net.IP String)", () => {
  const v6 = (...groups: number[]) => new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff]));
  test.each([
    [new Uint8Array([192, 0, 2, 1]), "192.0.2.1"],
    [v6(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0009), "10.0.0.9"],
    [v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), "2001:db8::1:0:0:1"],
    [v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 0), "2001:db8:0:0:1::"],
    [v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), "2001:db8:0:1:1:1:1:1"],
    [v6(0, 0, 0, 0, 0, 0, 0, 1), "::1"],
    [v6(0, 0, 0, 0, 0, 0, 0, 0), "::"],
    [new Uint8Array([1, 2, 3]), null],
  ])("%p -> %p", (bytes, expected) => {
    expect(ipString(bytes)).toBe(expected);
  });
});
