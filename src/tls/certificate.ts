import { createPrivateKey, X509Certificate } from "node:crypto";
import { readPem } from "./pem-source.ts";

// A certificate ready to serve: its PEM chain and key, the names it covers
// (SANs, or the CN when there are none) and its expiry.

export interface LoadedCertificate {
  certPem: string;
  keyPem: string;
  /** Lower-case DNS names and IPs, wildcards as written (`*.example.com`). */
  names: string[];
  notAfter: Date;
  /** Subject common name and serial (hex), for metrics and logs. */
  cn: string;
  serial: string;
  /** Where it came from, for logs: a file path, "inline", "acme:<resolver>", "generated". */
  source: string;
}

/** Parses and checks a certificate/key pair; throws an Error saying what is wrong. */
export function parseCertificate(certPem: string, keyPem: string, source: string): LoadedCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (e) {
    throw new Error(`${source}: not a PEM certificate (${(e as Error).message})`);
  }
  let keyOk: boolean;
  try {
    keyOk = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch (e) {
    throw new Error(`${source}: not a PEM private key (${(e as Error).message})`);
  }
  if (!keyOk) throw new Error(`${source}: the private key does not match the certificate`);
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1] ?? "";
  return { certPem, keyPem, names: namesOf(cert), notAfter: new Date(cert.validTo), cn, serial: cert.serialNumber.toLowerCase(), source };
}

/** Reads certFile/keyFile (paths or inline PEM) and parses them. */
export function loadCertificate(certFile: string, keyFile: string): LoadedCertificate {
  const source = certFile.includes("-----BEGIN ") ? "inline certificate" : certFile;
  return parseCertificate(readPem(certFile, "certFile"), readPem(keyFile, "keyFile"), source);
}

function namesOf(cert: X509Certificate): string[] {
  const names: string[] = [];
  for (const part of (cert.subjectAltName ?? "").split(",")) {
    const [kind, value] = part.trim().split(/:(.*)/s);
    if ((kind === "DNS" || kind === "IP Address") && value) names.push(value.toLowerCase());
  }
  if (names.length === 0) {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
    if (cn) names.push(cn.toLowerCase());
  }
  return [...new Set(names)];
}

/** Does `host` fall under certificate name `name` (exact, or a one-label wildcard)? */
export function nameCovers(name: string, host: string): boolean {
  const h = host.toLowerCase();
  if (name === h) return true;
  if (!name.startsWith("*.")) return false;
  const dot = h.indexOf(".");
  return dot > 0 && h.slice(dot + 1) === name.slice(2);
}
