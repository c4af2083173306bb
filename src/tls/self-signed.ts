import * as x509 from "@peculiar/x509";
import { parseCertificate, type LoadedCertificate } from "./certificate.ts";

// The certificate served when no configured one matches, as Traefik's
// "TRAEFIK DEFAULT CERT": self-signed, generated once per process, never
// trusted by clients (it only lets the handshake finish so a 404 or the
// right error can be shown). Generated with WebCrypto; no openssl needed.

let cached: Promise<LoadedCertificate> | undefined;

export function defaultGeneratedCertificate(): Promise<LoadedCertificate> {
  cached ??= generate();
  return cached;
}

async function generate(): Promise<LoadedCertificate> {
  x509.cryptoProvider.set(crypto);
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const serial = Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString("hex");
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${serial}`,
    name: "CN=SLUICE DEFAULT CERT",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "sluice.default.invalid" }])],
  });
  const key = x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
  return parseCertificate(cert.toString("pem"), key, "generated");
}
