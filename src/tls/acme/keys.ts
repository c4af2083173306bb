// Certificate private keys by Traefik's keyType names.
import * as acme from "acme-client";

export const KEY_TYPES = ["EC256", "EC384", "RSA2048", "RSA4096", "RSA8192"] as const;

export async function createCertificateKey(keyType: string): Promise<Buffer> {
  switch (keyType) {
    case "EC256":
      return acme.crypto.createPrivateEcdsaKey("P-256");
    case "EC384":
      return acme.crypto.createPrivateEcdsaKey("P-384");
    case "RSA2048":
      return acme.crypto.createPrivateRsaKey(2048);
    case "RSA8192":
      return acme.crypto.createPrivateRsaKey(8192);
    default:
      return acme.crypto.createPrivateRsaKey(4096);
  }
}
