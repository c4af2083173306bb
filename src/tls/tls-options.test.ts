import { describe, expect, test } from "bun:test";
import { constants } from "node:crypto";
import { compileTlsOptions } from "./tls-options.ts";

const NO = { v10: constants.SSL_OP_NO_TLSv1, v11: constants.SSL_OP_NO_TLSv1_1, v12: constants.SSL_OP_NO_TLSv1_2, v13: constants.SSL_OP_NO_TLSv1_3 };

describe("compileTlsOptions", () => {
  test.each([
    [{}, NO.v10 | NO.v11],
    [{ minVersion: "VersionTLS13" }, NO.v10 | NO.v11 | NO.v12],
    [{ minVersion: "VersionTLS10", maxVersion: "VersionTLS12" }, NO.v13],
    [{ maxVersion: "VersionTLS12" }, NO.v10 | NO.v11 | NO.v13],
  ])("versions %p disable bits %p", (raw, bits) => {
    expect(compileTlsOptions(raw).options!.secureOptions).toBe(bits);
  });

  test("Go cipher suite names become OpenSSL names; TLS 1.3 suites are accepted as always on", () => {
    const { options, problems } = compileTlsOptions({ cipherSuites: ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305"] });
    expect(problems).toEqual([]);
    expect(options!.ciphers).toBe("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305");
  });

  test.each([
    [{ minVersion: "TLS12" }, "minVersion", "expected one of VersionTLS10"],
    [{ minVersion: "VersionTLS13", maxVersion: "VersionTLS12" }, "maxVersion", "lower than minVersion"],
    [{ cipherSuites: ["TLS_FOO"] }, "cipherSuites[0]", "unknown cipher suite"],
    [{ clientAuth: { clientAuthType: "Sometimes" } }, "clientAuth.clientAuthType", "expected one of NoClientCert"],
    [{ clientAuth: { clientAuthType: "RequireAndVerifyClientCert" } }, "clientAuth.caFiles", "needs at least one CA file"],
    [{ clientAuth: { caFiles: ["/nonexistent/ca.pem"] } }, "clientAuth.caFiles[0]", "cannot be read"],
  ])("%p is refused at %p", (raw, path, message) => {
    const { options, problems } = compileTlsOptions(raw);
    expect(options).toBeUndefined();
    const p = problems.find((x) => x.severity === "error")!;
    expect(p.path).toBe(path);
    expect(p.message).toContain(message);
  });

  test("clientAuth types map to Bun's request/reject switches", () => {
    const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    expect(compileTlsOptions({ clientAuth: { caFiles: [ca] } }).options!.clientAuth).toEqual({ type: "RequireAndVerifyClientCert", ca: [ca], requestCert: true, rejectUnauthorized: true });
    expect(compileTlsOptions({ clientAuth: { caFiles: [ca], clientAuthType: "VerifyClientCertIfGiven" } }).options!.clientAuth).toEqual({ type: "VerifyClientCertIfGiven", ca: [ca], requestCert: true, rejectUnauthorized: false });
    expect(compileTlsOptions({ clientAuth: { clientAuthType: "NoClientCert" } }).options!.clientAuth).toBeUndefined();
  });

  test("alpnProtocols without h2 turns HTTP/2 off", () => {
    const { options, problems } = compileTlsOptions({ alpnProtocols: ["http/1.1"] });
    expect(options!.http2).toBe(false);
    expect(problems).toEqual([]);
  });

  test("curvePreferences in Go's or RFC names become OpenSSL group names, in order, once each", () => {
    const { options, problems } = compileTlsOptions({ curvePreferences: ["X25519MLKEM768", "CurveP384", "x25519", "secp384r1", "CurveP521"] });
    expect(problems).toEqual([]);
    expect(options!.ecdhCurve).toBe("X25519MLKEM768:P-384:X25519:P-521");
    expect(compileTlsOptions({}).options!.ecdhCurve).toBeUndefined();
    const bad = compileTlsOptions({ curvePreferences: ["CurveP256", "P-257"] });
    expect(bad.options).toBeUndefined();
    expect(bad.problems[0]).toMatchObject({ path: "curvePreferences[1]", severity: "error" });
    expect(bad.problems[0].message).toContain("unknown curve \"P-257\"");
  });

  test("disableSessionTickets sets OpenSSL's no-ticket bit", () => {
    const plain = compileTlsOptions({}).options!;
    const off = compileTlsOptions({ disableSessionTickets: true }).options!;
    expect(off.secureOptions).toBe(plain.secureOptions | constants.SSL_OP_NO_TICKET);
    expect(off.fingerprint).not.toBe(plain.fingerprint);
  });

  test("the fingerprint changes with what the listener depends on", () => {
    const a = compileTlsOptions({}).options!.fingerprint;
    expect(compileTlsOptions({}).options!.fingerprint).toBe(a);
    expect(compileTlsOptions({ sniStrict: true }).options!.fingerprint).not.toBe(a);
    expect(compileTlsOptions({ minVersion: "VersionTLS13" }).options!.fingerprint).not.toBe(a);
    expect(compileTlsOptions({ curvePreferences: ["CurveP256"] }).options!.fingerprint).not.toBe(a);
  });
});
