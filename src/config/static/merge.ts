// Deep merge of decoded (partial) configs: `over` wins on every leaf; lists
// replace wholesale; `false` (a section switched off) replaces a section.
import type { Origin } from "./raw.ts";

export type Origins = WeakMap<object, Origin>;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function mergePartial(base: unknown, over: unknown, origins?: Origins): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = k in base ? mergePartial(base[k], v, origins) : v;
  }
  const where = origins?.get(over) ?? origins?.get(base);
  if (origins && where) origins.set(out, where);
  return out;
}
