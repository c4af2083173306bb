import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { makeCa, type TestCa } from "../../test/harness/certs.ts";
import { loadCertificate, nameCovers, type LoadedCertificate } from "./certificate.ts";
import { buildTlsListeners, type TlsRouterInfo } from "./listener-spec.ts";
import { defaultGeneratedCertificate } from "./self-signed.ts";

let ca: TestCa;
let generated: LoadedCertificate;
let exactA: { certFile: string; keyFile: string };
let wildA: { certFile: string; keyFile: string };

beforeAll(async () => {
  ca = makeCa();
  exactA = ca.leaf(["a.test", "www.a.test"]);
  wildA = ca.leaf(["*.a.test"]);
  generated = await defaultGeneratedCertificate();
});
afterAll(() => ca.cleanup());

const eps = (routers: TlsRouterInfo[], options?: string) => new Map([["websecure", { routers, options }]]);

describe("certificates", () => {
  test("names come from the SANs, lower-cased", () => {
    expect(loadCertificate(exactA.certFile, exactA.keyFile).names).toEqual(["a.test", "www.a.test"]);
  });

  test("inline PEM works like a file", () => {
    const leaf = ca.leaf(["inline.test"]);
    expect(loadCertificate(leaf.certPem, leaf.keyPem).source).toBe("inline certificate");
  });

  test("a key that does not match is refused", () => {
    expect(() => loadCertificate(exactA.certFile, wildA.keyFile)).toThrow("does not match");
  });

  test.each([
    ["*.a.test", "x.a.test", true],
    ["*.a.test", "a.test", false],
    ["*.a.test", "x.y.a.test", false],
    ["a.test", "A.TEST", true],
  ])("%p covers %p: %p", (name, host, want) => {
    expect(nameCovers(name, host)).toBe(want);
  });

  test("the generated default certificate is self-signed and parses", () => {
    expect(generated.names).toEqual(["sluice.default.invalid"]);
    expect(generated.notAfter.getTime()).toBeGreaterThan(Date.now() + 300 * 86400_000);
  });
});

describe("buildTlsListeners", () => {
  test("the default certificate comes first; each name gets its best certificate", () => {
    const { specs, diagnostics } = buildTlsListeners({
      tls: { certificates: [wildA, exactA] },
      entryPoints: eps([]),
      extraCertificates: [],
      generatedDefault: generated,
    });
    expect(diagnostics).toEqual([]);
    const entries = specs.get("websecure")!.entries;
    expect(entries[0].serverName).toBeUndefined();
    expect(entries[0].cert).toBe(generated.certPem);
    const byName = Object.fromEntries(entries.slice(1).map((e) => [e.serverName, e.cert]));
    const exact = loadCertificate(exactA.certFile, exactA.keyFile).certPem;
    expect(byName["a.test"]).toBe(exact);
    expect(byName["www.a.test"]).toBe(exact); // exact beats the wildcard
    expect(byName["*.a.test"]).toBe(loadCertificate(wildA.certFile, wildA.keyFile).certPem);
  });

  test("stores.default.defaultCertificate replaces the generated one", () => {
    const { specs } = buildTlsListeners({ tls: { stores: { default: { defaultCertificate: exactA } } }, entryPoints: eps([]), extraCertificates: [], generatedDefault: generated });
    expect(specs.get("websecure")!.entries[0].cert).toBe(loadCertificate(exactA.certFile, exactA.keyFile).certPem);
  });

  test("a certificate that cannot be loaded is a diagnostic; the rest still serves", () => {
    const { specs, diagnostics } = buildTlsListeners({
      tls: { certificates: [{ certFile: "/nonexistent.pem", keyFile: "/nonexistent.key" }, exactA] },
      entryPoints: eps([]),
      extraCertificates: [],
      generatedDefault: generated,
    });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: "error", path: "tls.certificates[0]" });
    expect(specs.get("websecure")!.entries.map((e) => e.serverName)).toEqual([undefined, "a.test", "www.a.test"]);
  });

  test("client auth follows the router's option per host; sniStrict lists the certificate names", () => {
    const client = { clientAuth: { caFiles: [ca.caFile] } };
    const { specs, diagnostics } = buildTlsListeners({
      tls: { certificates: [exactA], options: { "mtls@file": client, default: { sniStrict: true } } },
      entryPoints: eps([{ router: "r@file", hosts: ["a.test"], options: "mtls@file" }]),
      extraCertificates: [],
      generatedDefault: generated,
    });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const entries = specs.get("websecure")!.entries;
    expect(entries[0].requestCert).toBeUndefined();
    expect(specs.get("websecure")!.strictNames!.get("a.test")).toBe(true);
    expect(specs.get("websecure")!.strictNames!.get("b.test")).toBeUndefined();
    expect(entries.find((e) => e.serverName === "a.test")).toMatchObject({ requestCert: true, rejectUnauthorized: true, ca: [ca.caPem] });
    expect(entries.find((e) => e.serverName === "www.a.test")!.requestCert).toBeUndefined();
  });

  test("a router naming a missing option is reported", () => {
    const { diagnostics } = buildTlsListeners({ tls: undefined, entryPoints: eps([{ router: "r@file", hosts: [], options: "nope@file" }]), extraCertificates: [], generatedDefault: generated });
    expect(diagnostics[0].message).toContain('TLS option "nope@file" does not exist');
  });

  test("the fingerprint changes when a certificate is added, not otherwise", () => {
    const input = { tls: { certificates: [exactA] }, entryPoints: eps([]), extraCertificates: [], generatedDefault: generated };
    const a = buildTlsListeners(input).specs.get("websecure")!.fingerprint;
    expect(buildTlsListeners(input).specs.get("websecure")!.fingerprint).toBe(a);
    const more = buildTlsListeners({ ...input, tls: { certificates: [exactA, wildA] } }).specs.get("websecure")!.fingerprint;
    expect(more).not.toBe(a);
  });
});
