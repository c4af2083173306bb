import { readFileSync } from "node:fs";

// Traefik's "FileOrContent": certFile/keyFile hold either a path or the PEM
// text itself (Kubernetes Secrets and inline YAML use the latter).

export function isPemContent(value: string): boolean {
  return value.includes("-----BEGIN ");
}

/** The PEM text for `value`; throws an Error naming the file when it cannot be read. */
export function readPem(value: string, what: string): string {
  if (isPemContent(value)) return value;
  try {
    return readFileSync(value, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${what} ${JSON.stringify(value)} cannot be read${code ? ` (${code})` : ""}`);
  }
}
