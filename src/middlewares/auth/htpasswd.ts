import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { OptionReader } from "../options.ts";
import { md5Crypt, type Md5Magic } from "./md5-crypt.ts";
import { readUserLines } from "./users-source.ts";

// htpasswd users for basicAuth: bcrypt ($2a$/$2b$/$2x$/$2y$), MD5-crypt
// ($apr1$, $1$) and SHA1 ({SHA}). A line with anything else (plain text,
// SHA-crypt...) is refused: a warning, and that user can never log in, which
// is what Traefik's go-http-auth does with it.
//
// bcrypt is slow on purpose (~50-250 ms), so successful checks are remembered
// under an HMAC of user+password (never the password itself), in a bounded
// LRU; concurrent checks of the same pair share one computation.

type Entry =
  | { kind: "bcrypt"; hash: string }
  | { kind: "md5crypt"; hash: string; salt: string; magic: Md5Magic }
  | { kind: "sha1"; digest: Buffer };

const BCRYPT = /^\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}$/;
const MD5CRYPT = /^(\$apr1\$|\$1\$)([^$]{0,8})\$[./A-Za-z0-9]{22}$/;
const SHA1 = /^\{SHA\}([A-Za-z0-9+/]{27}=)$/;
/** bcrypt reads at most 72 bytes; Bun would pre-hash longer input instead of cutting it. */
const BCRYPT_MAX_BYTES = 72;

export const DEFAULT_CACHE_SIZE = 1024;

/** Classifies one stored hash; undefined when the format is not supported. */
export function parseHash(hash: string): Entry | undefined {
  if (BCRYPT.test(hash)) return { kind: "bcrypt", hash };
  const md5 = MD5CRYPT.exec(hash);
  if (md5) return { kind: "md5crypt", hash, magic: md5[1] as Md5Magic, salt: md5[2] };
  const sha = SHA1.exec(hash);
  if (sha) return { kind: "sha1", digest: Buffer.from(sha[1], "base64") };
  return undefined;
}

export class Htpasswd {
  private readonly key = randomBytes(32);
  private readonly verified = new Map<string, true>();
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly users: Map<string, Entry>,
    private readonly cacheSize = DEFAULT_CACHE_SIZE,
  ) {}

  get size(): number {
    return this.users.size;
  }

  has(user: string): boolean {
    return this.users.has(user);
  }

  /** True when `password` matches the stored hash of `user`. */
  async verify(user: string, password: string): Promise<boolean> {
    const entry = this.users.get(user);
    if (!entry) return false;
    if (entry.kind === "sha1") {
      return safeEqual(createHash("sha1").update(password, "utf8").digest(), entry.digest);
    }
    const id = createHmac("sha256", this.key).update(user).update("\0").update(password).digest("base64");
    if (this.verified.has(id)) {
      // Refresh its place in the LRU order.
      this.verified.delete(id);
      this.verified.set(id, true);
      return true;
    }
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = check(entry, password).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    const ok = await pending;
    if (ok) this.remember(id);
    return ok;
  }

  /** Number of remembered successful checks (for tests). */
  get cached(): number {
    return this.verified.size;
  }

  private remember(id: string): void {
    if (this.cacheSize <= 0 || this.verified.has(id)) return;
    if (this.verified.size >= this.cacheSize) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(id, true);
  }
}

async function check(entry: Exclude<Entry, { kind: "sha1" }>, password: string): Promise<boolean> {
  if (entry.kind === "md5crypt") {
    return safeEqual(Buffer.from(md5Crypt(password, entry.salt, entry.magic)), Buffer.from(entry.hash));
  }
  const bytes = Buffer.from(password, "utf8").subarray(0, BCRYPT_MAX_BYTES);
  try {
    return await Bun.password.verify(bytes, entry.hash);
  } catch {
    return false;
  }
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Reads `users` / `usersFile` as htpasswd lines ("user:hash"). Malformed lines
 * are errors (as in Traefik); unsupported hashes are warnings.
 */
export function readHtpasswd(o: OptionReader, cacheSize = DEFAULT_CACHE_SIZE): Htpasswd {
  const users = new Map<string, Entry>();
  for (const line of readUserLines(o)) {
    const parts = line.text.split(":");
    if (parts.length !== 2 || parts[0] === "") {
      o.error(line.path, `${line.where}: expected "user:hash"`);
      continue;
    }
    const [user, hash] = parts;
    const entry = parseHash(hash);
    if (!entry) {
      users.delete(user); // an inline line still overrides the file's
      o.warn(
        line.path,
        `${line.where}: the password of user ${JSON.stringify(user)} is not a bcrypt, apr1/MD5 or {SHA} hash ` +
          "(plain text is refused); this user cannot log in",
      );
      continue;
    }
    users.set(user, entry);
  }
  return new Htpasswd(users, cacheSize);
}
