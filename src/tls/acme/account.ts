// ACME account keys in Traefik's form: an RSA key stored as base64 PKCS#1 DER.
// A stored account is reused when its email and CA host still match the
// config (Traefik's rule); otherwise a new key is made.
import { createPrivateKey, generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import type { TraefikAccount } from "./traefik-format.ts";

const genKeyPair = promisify(generateKeyPair);

/** PEM for acme-client from the stored DER. Throws when the bytes are not a PKCS#1 RSA key. */
export function accountKeyPem(account: TraefikAccount): string {
  const key = createPrivateKey({ key: Buffer.from(account.PrivateKey, "base64"), format: "der", type: "pkcs1" });
  return key.export({ format: "pem", type: "pkcs1" }).toString();
}

export async function newAccountKeyDer(): Promise<string> {
  // Traefik makes 4096-bit accounts; the cost (~0.3 s) is paid once per install.
  const { privateKey } = await genKeyPair("rsa", { modulusLength: 4096 });
  return (privateKey.export({ format: "der", type: "pkcs1" }) as Buffer).toString("base64");
}

/** Whether a stored account may be used for this email and CA. */
export function accountMatches(account: TraefikAccount, email: string, caServer: string): boolean {
  if ((account.Email ?? "") !== email) return false;
  const uri = account.Registration?.uri;
  if (!uri) return true;
  try {
    return new URL(uri).host === new URL(caServer).host;
  } catch {
    return false;
  }
}
