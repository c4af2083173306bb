// The fast path's decoder: walks the plain data Bun.YAML.parse returns against
// the dynamic schema, with the same rules as decode.ts walks YAML nodes, but
// without building the yaml package's node tree first (for a 10,000-router
// file that tree was ~70 MB of short-lived objects, and RSS kept the peak).
// It has no positions, so it reports nothing: at the first thing decode.ts
// would report (error or warning) it gives up, and the caller runs the exact,
// positioned parse instead.
import { decodeScalar } from "./decode.ts";
import type { FieldSchema, MapSchema, SectionSchema } from "./schema-types.ts";

/** Thrown where decode.ts would report a diagnostic; caught by decodePlain. */
class GiveUp extends Error {}
const GIVE_UP = new GiveUp();

const giveUp = (): undefined => {
  throw GIVE_UP;
};

/** Per decode: one copy of each repeated string value (entry points, URLs, service names). */
type Interner = Map<string, string>;

/** The decoded value, or null when decode.ts would report something about `data`. */
export function decodePlain(data: unknown, schema: FieldSchema): { value: unknown } | null {
  try {
    return { value: decodeValue(data, schema, new Map()) };
  } catch (e) {
    if (e === GIVE_UP) return null;
    throw e;
  }
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A YAML scalar as the yaml package would hold it (what decode.ts reads as `node.value`). */
function scalarOf(v: unknown): unknown {
  return v !== null && typeof v === "object" ? undefined : v;
}

function intern(s: string, strings: Interner): string {
  const known = strings.get(s);
  if (known !== undefined) return known;
  strings.set(s, s);
  return s;
}

/** The keys of a mapping; `<<` is a merge key to decode.ts, so leave it to the exact parse. */
function keysOf(m: Record<string, unknown>): string[] {
  const keys = Object.keys(m);
  if (keys.includes("<<")) giveUp();
  return keys;
}

function decodeValue(v: unknown, schema: FieldSchema, strings: Interner): unknown {
  switch (schema.kind) {
    case "unsupported":
      return giveUp();
    case "section":
      return decodeSection(v, schema, strings);
    case "map":
      return decodeMap(v, schema, strings);
    case "raw":
      if (v === null || v === undefined) return {};
      // toJS() of a node tree made from this data gives back data equal to it.
      return isMapping(v) ? v : giveUp();
    case "list":
      return decodeList(v, schema.item, strings);
  }
  if (v === null || v === undefined) return undefined;
  const out = decodeScalar(schema, scalarOf(v), giveUp);
  return typeof out === "string" ? intern(out, strings) : out;
}

function decodeList(v: unknown, item: FieldSchema, strings: Interner): unknown[] | undefined {
  if (v === null || v === undefined) return undefined;
  if (item.kind === "string" && typeof v === "string") {
    return v.split(",").map((s) => intern(s.trim(), strings)).filter((s) => s !== "");
  }
  if (!Array.isArray(v)) return giveUp();
  const out: unknown[] = [];
  for (const x of v) {
    const d = decodeValue(x, item, strings);
    if (d !== undefined) out.push(d);
  }
  return out;
}

function decodeMap(v: unknown, schema: MapSchema, strings: Interner): Record<string, unknown> | undefined {
  if (v === null || v === undefined) return undefined;
  if (!isMapping(v)) return giveUp();
  const out: Record<string, unknown> = {};
  for (const key of keysOf(v)) {
    const d = decodeValue(v[key], schema.value, strings);
    if (d !== undefined) out[key] = d;
  }
  return out;
}

/** Canonical field names by lower-case spelling, once per schema section. */
const lowerNames = new WeakMap<SectionSchema, Map<string, string>>();

function fieldsByLower(schema: SectionSchema): Map<string, string> {
  let m = lowerNames.get(schema);
  if (!m) {
    m = new Map(Object.keys(schema.fields).map((n) => [n.toLowerCase(), n]));
    lowerNames.set(schema, m);
  }
  return m;
}

function decodeSection(v: unknown, schema: SectionSchema, strings: Interner): Record<string, unknown> | undefined {
  if (schema.bare && typeof v === "boolean") return v ? {} : undefined;
  const isNull = v === null || v === undefined;
  if (!isNull && !isMapping(v)) return giveUp();
  const byLower = fieldsByLower(schema);
  const out: Record<string, unknown> = {};
  let present = 0;
  const seen: string[] = [];
  for (const key of isNull ? [] : keysOf(v as Record<string, unknown>)) {
    const name = byLower.get(key.toLowerCase());
    // Unknown key (warning or error) or one given twice in two spellings (warning).
    if (name === undefined || seen.includes(name)) return giveUp();
    seen.push(name);
    present++;
    const d = decodeValue((v as Record<string, unknown>)[key], schema.fields[name], strings);
    if (d !== undefined) out[name] = d;
  }
  // A required key absent or without a value is an error either way.
  for (const req of schema.required ?? []) if (out[req] === undefined) giveUp();
  if (schema.oneOf && present !== 1) giveUp();
  if ((schema.post?.(out) ?? []).length > 0) giveUp();
  return out;
}
