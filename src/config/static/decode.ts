// Decodes a raw tree against the schema into a partial config: canonical
// option names (durations in ms), typed values, nothing defaulted yet.
// Every unknown option or bad value becomes a Diagnostic at its origin.
import type { Diagnostic } from "../diagnostic.ts";
import { parseAddress } from "./address.ts";
import { parseDuration } from "./duration.ts";
import { mergePartial, type Origins } from "./merge.ts";
import { diagAt, type Origin, type RawMap, type RawNode, type RawScalar } from "./raw.ts";
import {
  describeExpected,
  findField,
  INDEX,
  outKey,
  type ListSchema,
  type ObjListSchema,
  type ScalarSchema,
  type SchemaNode,
  type SectionSchema,
} from "./schema.ts";
import { didYouMean } from "./suggest.ts";

export interface DecodeResult {
  value: Record<string, unknown>;
  diagnostics: Diagnostic[];
}

interface Ctx {
  diags: Diagnostic[];
  origins: Origins;
}

const SKIP = Symbol("skip");
type Out = unknown | typeof SKIP;

export function decodeTree(tree: RawMap, schema: SectionSchema, origins: Origins): DecodeResult {
  const ctx: Ctx = { diags: [], origins };
  const v = decodeNode(tree, schema, [], ctx);
  const value = typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
  return { value, diagnostics: ctx.diags };
}

function decodeNode(node: RawNode, schema: SchemaNode, path: string[], ctx: Ctx): Out {
  switch (schema.kind) {
    case "section":
      return decodeSection(node, schema, path, ctx);
    case "map":
      return decodeMap(node, schema.value, path, ctx);
    case "list":
    case "objlist":
      return decodeList(node, schema, path, ctx);
    case "unsupported": {
      const why = schema.note ? `${schema.note} by Sluice` : "not supported by Sluice";
      ctx.diags.push(diagAt("warning", `option "${show(path)}" is ignored: ${why}`, node.origin, show(path)));
      return SKIP;
    }
    default:
      if (node.kind !== "scalar") return fail(node.origin, path, schema, describeNode(node), ctx);
      return decodeScalar(node, schema, path, ctx);
  }
}

function decodeSection(node: RawNode, schema: SectionSchema, path: string[], ctx: Ctx): Out {
  if (node.kind === "scalar") {
    const v = node.value;
    // Any section may be switched on by a bare flag; only optional ones switched off.
    const enable = v === null || v === true || (typeof v === "string" && /^(true|)$/i.test(v));
    const disable = schema.bare && (v === false || (typeof v === "string" && /^false$/i.test(v)));
    if (enable) return record({}, node.origin, ctx);
    if (disable) return false;
    return fail(node.origin, path, schema, JSON.stringify(v), ctx);
  }
  if (node.kind === "seq") return fail(node.origin, path, schema, "a list", ctx);

  const out = record({}, node.origin, ctx);
  const names = Object.keys(schema.fields);
  for (const entry of node.entries) {
    const entryPath = [...path, entry.key];
    const field = findField(schema, entry.key);
    if (!field) {
      const hint = didYouMean(entry.key, names);
      const tail = hint ? `; did you mean "${hint}"?` : `; expected one of: ${listNames(names)}`;
      ctx.diags.push(diagAt("error", `unknown option "${show(entryPath)}"${tail}`, entry.keyOrigin, show(entryPath)));
      continue;
    }
    const [name, fieldSchema] = field;
    const v = decodeNode(entry.value, fieldSchema, entryPath, ctx);
    if (v === SKIP) continue;
    const key = outKey(name, fieldSchema);
    out[key] = key in out ? mergePartial(out[key], v, ctx.origins) : v;
  }
  return out;
}

function decodeMap(node: RawNode, valueSchema: SchemaNode, path: string[], ctx: Ctx): Out {
  if (node.kind === "scalar" && node.value === null) return record({}, node.origin, ctx);
  if (node.kind !== "map") return fail(node.origin, path, { kind: "map", value: valueSchema }, describeNode(node), ctx);
  const out = record({}, node.origin, ctx);
  for (const entry of node.entries) {
    const v = decodeNode(entry.value, valueSchema, [...path, entry.key], ctx);
    if (v === SKIP) continue;
    out[entry.key] = entry.key in out ? mergePartial(out[entry.key], v, ctx.origins) : v;
  }
  return out;
}

function decodeList(node: RawNode, schema: ListSchema | ObjListSchema, path: string[], ctx: Ctx): Out {
  const item: SchemaNode = schema.item;
  let items: { node: RawNode; path: string[] }[];
  if (node.kind === "seq") {
    items = node.items.map((n, i) => ({ node: n, path: [...path, String(i)] }));
  } else if (node.kind === "map" && node.entries.every((e) => INDEX.test(e.key))) {
    // Indexed flags: trustedIPs[0]=..., domains[1].main=...
    items = [...node.entries]
      .sort((a, b) => Number(a.key) - Number(b.key))
      .map((e) => ({ node: e.value, path: [...path, e.key] }));
  } else if (node.kind === "scalar" && schema.kind === "list") {
    items = splitList(node).map((n, i) => ({ node: n, path: [...path, String(i)] }));
  } else if (node.kind === "scalar" && node.value === null) {
    items = [];
  } else {
    return fail(node.origin, path, schema, describeNode(node), ctx);
  }
  const out: unknown[] = [];
  for (const it of items) {
    const v = decodeNode(it.node, item, it.path, ctx);
    if (v !== SKIP) out.push(v);
  }
  return out;
}

/** "a,b" -> ["a","b"], the way Traefik reads lists from flags and env. */
function splitList(node: RawScalar): RawScalar[] {
  if (node.value === null) return [];
  if (typeof node.value !== "string") return [node];
  return node.value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => ({ kind: "scalar", value: s, origin: node.origin }));
}

function decodeScalar(node: RawScalar, schema: ScalarSchema, path: string[], ctx: Ctx): Out {
  const v = node.value;
  if (v === null) return SKIP; // `email:` with nothing: leave unset
  const text = typeof v === "string" ? v.trim() : String(v);
  const bad = () => fail(node.origin, path, schema, JSON.stringify(v), ctx);
  switch (schema.kind) {
    case "string":
      if (schema.pattern && !schema.pattern.test(text)) return bad();
      return typeof v === "string" ? v : text;
    case "bool":
      if (typeof v === "boolean") return v;
      if (/^(1|t|true)$/i.test(text)) return true;
      if (/^(0|f|false)$/i.test(text)) return false;
      return bad();
    case "int":
      return /^[+-]?\d+$/.test(text) ? Number(text) : bad();
    case "number":
      return text !== "" && Number.isFinite(Number(text)) ? Number(text) : bad();
    case "duration":
      try {
        return parseDuration(typeof v === "number" ? v : text);
      } catch {
        return bad();
      }
    case "enum": {
      const lower = text.toLowerCase();
      const hit = (schema.values ?? []).find((c) => c.toLowerCase() === lower) ?? schema.aliases?.[lower];
      return hit ?? bad();
    }
    case "address":
      try {
        parseAddress(text);
        return text;
      } catch (e) {
        ctx.diags.push(diagAt("error", `option "${show(path)}": ${(e as Error).message}`, node.origin, show(path)));
        return text; // kept so "address is required" does not pile on; normalize drops the entry point
      }
  }
  return bad();
}

function fail(origin: Origin, path: string[], schema: SchemaNode, got: string, ctx: Ctx): Out {
  const p = show(path);
  ctx.diags.push(diagAt("error", `invalid value ${got} for option "${p}": expected ${describeExpected(schema)}`, origin, p));
  return SKIP;
}

function record(obj: Record<string, unknown>, origin: Origin, ctx: Ctx): Record<string, unknown> {
  ctx.origins.set(obj, origin);
  return obj;
}

function describeNode(node: RawNode): string {
  if (node.kind === "scalar") return JSON.stringify(node.value);
  return node.kind === "map" ? "a section" : "a list";
}

function show(path: readonly string[]): string {
  return path.join(".");
}

function listNames(names: readonly string[]): string {
  return names.length > 14 ? `${names.slice(0, 14).join(", ")}, ...` : names.join(", ");
}
