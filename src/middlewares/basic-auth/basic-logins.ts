import type { Htpasswd } from "../auth/htpasswd.ts";

// The decision of basicAuth, shared by its Request form and its raw form:
// which user an Authorization value names and whether it logs in.
//
// A value already seen to log in is remembered as is, in a bounded map, and
// answered from there before any parsing or hashing: a repeated login costs
// one field scan and one Map lookup. That is safe because the outcome is a
// pure function of the exact value: parseBasic is deterministic and the user
// table of one built middleware never changes (a config change builds a new
// middleware, with an empty map), so a stored value can only ever verify
// again. Lookups are exact string matches, so there are no collisions to
// forge, and only values that passed a full check get in, so a client
// without a password cannot grow or churn the map. The price is that the
// map holds recently used credentials (base64) as the request itself does
// while it is served; values longer than MAX_CACHED_VALUE are not kept, so
// padded variants of one login cannot take much memory.

/** The user and password of a `Basic` Authorization header, or null. */
export function parseBasic(header: string | null): { user: string; password: string } | null {
  if (!header || header.length < 6 || header.slice(0, 6).toLowerCase() !== "basic ") return null;
  const b64 = header.slice(6).trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return null;
  const decoded = Buffer.from(b64, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface BasicVerdict {
  /** The user the credentials name (logged even when refused, as Traefik does); undefined without credentials. */
  readonly user: string | undefined;
  readonly ok: boolean;
}

const NO_CREDENTIALS: BasicVerdict = Object.freeze({ user: undefined, ok: false });

export const MAX_CACHED_VALUES = 1024;
export const MAX_CACHED_VALUE = 512;

export class BasicLogins {
  /** Authorization value → its (successful) verdict, oldest first. */
  private readonly good = new Map<string, BasicVerdict>();

  constructor(
    private readonly users: Htpasswd,
    private readonly maxValues = MAX_CACHED_VALUES,
  ) {}

  /** The verdict at once when it needs no hashing (no credentials, or a value that logged in before), else a promise. */
  check(header: string | null): BasicVerdict | Promise<BasicVerdict> {
    if (header === null) return NO_CREDENTIALS;
    const known = this.good.get(header);
    if (known !== undefined) return known;
    const creds = parseBasic(header);
    if (creds === null) return NO_CREDENTIALS;
    return this.users.verify(creds.user, creds.password).then((ok) => {
      const verdict: BasicVerdict = Object.freeze({ user: creds.user, ok });
      if (ok) this.remember(header, verdict);
      return verdict;
    });
  }

  /** Number of remembered values (for tests). */
  get cached(): number {
    return this.good.size;
  }

  private remember(header: string, verdict: BasicVerdict): void {
    if (this.maxValues <= 0 || header.length > MAX_CACHED_VALUE || this.good.has(header)) return;
    // Oldest first out; a hit does not reorder (that would cost two map writes per request).
    if (this.good.size >= this.maxValues) this.good.delete(this.good.keys().next().value!);
    this.good.set(header, verdict);
  }
}
