import { deleteHeader, getHeader, sameField as same } from "../../server/raw/header-list.ts";
import type { HeaderList } from "../../server/raw/http1-head.ts";

// The `headers` decisions (CORS, security, custom edits) are written once over
// this tiny interface, then run on a Headers object (Request form) or on the
// raw front's HeaderList (raw form). The ops are two shared singletons, so
// neither form allocates an adapter per request. Names passed in are already
// lower-case (prepared at build time).

export interface HeaderOps<H> {
  /** The field's values joined by ", " (as Headers.get), or null. */
  get(h: H, lower: string): string | null;
  /** Replaces every value of the field. `name` is written as given. */
  set(h: H, lower: string, name: string, value: string): void;
  delete(h: H, lower: string): void;
}

export const HEADERS_OPS: HeaderOps<Headers> = {
  get: (h, lower) => h.get(lower),
  set: (h, _lower, name, value) => h.set(name, value),
  delete: (h, lower) => h.delete(lower),
};

export const LIST_OPS: HeaderOps<HeaderList> = {
  get: getHeader,
  set(list, lower, name, value) {
    // The first occurrence takes the value in place; later ones go.
    let found = false;
    for (let i = 0; i < list.length; i++) {
      if (!same(list[i][0], lower)) continue;
      if (!found) {
        list[i] = [name, value];
        found = true;
      } else list.splice(i--, 1);
    }
    if (!found) list.push([name, value]);
  },
  delete: deleteHeader,
};

/**
 * What `apply` does to a response head that names none of the fields it
 * looks at: the lines it adds, and a test for those fields (see
 * ResponseHeadHook.appends). Found by running it once on an empty list with
 * ops that note every name asked for; undefined when a line it adds is one
 * the response writer owns (framing), which a list would have dropped.
 */
export function appendsOf(apply: (h: HeaderList, ops: HeaderOps<HeaderList>) => void, owned: (lower: string) => boolean): { touches: RegExp; lines: string } | undefined {
  const names = new Set<string>();
  const recording: HeaderOps<HeaderList> = {
    get: (h, lower) => (names.add(lower), LIST_OPS.get(h, lower)),
    set: (h, lower, name, value) => (names.add(lower), LIST_OPS.set(h, lower, name, value)),
    delete: (h, lower) => (names.add(lower), LIST_OPS.delete(h, lower)),
  };
  const added: HeaderList = [];
  apply(added, recording);
  if (added.some(([name]) => owned(name.toLowerCase()))) return undefined;
  const escaped = [...names].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  // Never matches when nothing is looked at (an empty alternation would match everywhere).
  const touches = escaped.length === 0 ? /(?!)/ : new RegExp(`^(?:${escaped.join("|")})[ \t]*:`, "im");
  return { touches, lines: added.map(([name, value]) => `${name}: ${value}\r\n`).join("") };
}

/** One custom header: set to `value`, or removed when the config gave "". */
export interface HeaderEdit {
  readonly lower: string;
  readonly name: string;
  readonly value: string | null;
}

export function toEdits(map: Record<string, string>): HeaderEdit[] {
  return Object.entries(map).map(([name, value]) => ({ lower: name.toLowerCase(), name, value: value === "" ? null : value }));
}

export function applyEdits<H>(h: H, ops: HeaderOps<H>, edits: readonly HeaderEdit[]): void {
  for (let i = 0; i < edits.length; i++) {
    const e = edits[i];
    if (e.value === null) ops.delete(h, e.lower);
    else ops.set(h, e.lower, e.name, e.value);
  }
}

/** A fixed header to set, its name prepared both ways. */
export interface FixedHeader {
  readonly lower: string;
  readonly name: string;
  readonly value: string;
}

export function fixed(name: string, value: string): FixedHeader {
  return { lower: name.toLowerCase(), name, value };
}

export function setAll<H>(h: H, ops: HeaderOps<H>, list: readonly FixedHeader[]): void {
  for (let i = 0; i < list.length; i++) ops.set(h, list[i].lower, list[i].name, list[i].value);
}
