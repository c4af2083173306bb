// Walks a YAML node tree against the dynamic schema, producing plain data and
// diagnostics that point at file:line:col. Keys match case-insensitively (as
// Traefik's decoder does) and come out in their canonical spelling. An entry
// of a named map (a router, a service, ...) that has an error is left out.
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import type { Diagnostic, Severity } from "../diagnostic.ts";
import { didYouMean } from "../static/suggest.ts";
import type { FieldSchema, MapSchema, SectionSchema, StringSchema } from "./schema-types.ts";

/** The field kinds that hold one scalar value. */
export type ScalarSchema = Extract<FieldSchema, { kind: "string" | "int" | "bool" | "duration" }>;
import { describeNode, isNullNode, mapEntries, resolveNode } from "./yaml-nodes.ts";

export interface DecodeContext {
  file: string;
  lc: LineCounter;
  doc: Document;
  diagnostics: Diagnostic[];
}

/** Go's strconv.ParseBool spellings, which Traefik accepts for booleans. */
const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);
const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const INTEGER = /^[-+]?\d+$/;

export function report(ctx: DecodeContext, severity: Severity, message: string, path: string, node: Node | null): void {
  const offset = node?.range?.[0];
  const pos = offset === undefined ? undefined : ctx.lc.linePos(offset);
  ctx.diagnostics.push({ severity, message, file: ctx.file, line: pos?.line, column: pos?.col, path: path || undefined });
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function errorCount(ctx: DecodeContext): number {
  return ctx.diagnostics.filter((d) => d.severity === "error").length;
}

/**
 * Decode `node` as `schema`. `anchor` is where to report problems about the
 * value as a whole (usually its key). Returns undefined when absent or invalid.
 */
export function decodeNode(node: Node | null, schema: FieldSchema, ctx: DecodeContext, path: string, anchor: Node | null): unknown {
  const where = node && !isNullNode(node) ? node : anchor;
  const wrong = (expected: string): undefined => {
    report(ctx, "error", `expected ${expected}, got ${describeNode(node)}`, path, where);
    return undefined;
  };
  switch (schema.kind) {
    case "unsupported":
      report(ctx, "warning", schema.message, path, anchor ?? node);
      return undefined;
    case "section":
      return decodeSection(node, schema, ctx, path, anchor);
    case "map":
      return decodeMap(node, schema, ctx, path, anchor);
    case "raw":
      if (isNullNode(node)) return {};
      if (!isMap(node)) return wrong("a mapping of options");
      return node.toJS(ctx.doc) as Record<string, unknown>;
    case "list":
      return decodeList(node, schema.item, ctx, path, anchor);
  }
  if (isNullNode(node)) return undefined;
  return decodeScalar(schema, isScalar(node) ? node.value : undefined, wrong);
}

/** A scalar field's value (a YAML scalar's value, or undefined for a mapping or list); `wrong` reports. */
export function decodeScalar(schema: ScalarSchema, value: unknown, wrong: (expected: string) => undefined): unknown {
  switch (schema.kind) {
    case "string":
      return decodeString(value, schema, wrong);
    case "int":
      if (typeof value === "number" && Number.isInteger(value)) return value;
      if (typeof value === "string" && INTEGER.test(value.trim())) return Number.parseInt(value, 10);
      return wrong("an integer");
    case "bool":
      if (typeof value === "boolean") return value;
      if (typeof value === "string" && TRUE.has(value)) return true;
      if (typeof value === "string" && FALSE.has(value)) return false;
      return wrong("true or false");
    case "duration":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      if (typeof value === "string" && (GO_DURATION.test(value) || INTEGER.test(value))) return value;
      return wrong('a duration such as "10s" or "1m30s", or a number of seconds');
  }
}

function decodeString(value: unknown, schema: StringSchema, wrong: (expected: string) => undefined): string | undefined {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return wrong("a string");
  const s = String(value);
  if (schema.values && !schema.values.includes(s)) {
    return wrong(`one of ${schema.values.map((v) => JSON.stringify(v)).join(", ")}`);
  }
  const expected = schema.check?.(s);
  return expected ? wrong(expected) : s;
}

function decodeList(node: Node | null, item: FieldSchema, ctx: DecodeContext, path: string, anchor: Node | null): unknown[] | undefined {
  if (isNullNode(node)) return undefined;
  // Traefik splits a plain string on commas where a list of strings is expected.
  if (item.kind === "string" && isScalar(node) && typeof node.value === "string") {
    return node.value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  }
  if (!isSeq(node)) {
    report(ctx, "error", `expected a list, got ${describeNode(node)}`, path, node ?? anchor);
    return undefined;
  }
  const out: unknown[] = [];
  node.items.forEach((raw, i) => {
    const child = resolveNode(raw, ctx.doc);
    const v = decodeNode(child, item, ctx, `${path}[${i}]`, child ?? node);
    if (v !== undefined) out.push(v);
  });
  return out;
}

function decodeMap(node: Node | null, schema: MapSchema, ctx: DecodeContext, path: string, anchor: Node | null): Record<string, unknown> | undefined {
  if (isNullNode(node)) return undefined;
  if (!isMap(node)) {
    report(ctx, "error", `expected a mapping of names to definitions, got ${describeNode(node)}`, path, node ?? anchor);
    return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const e of mapEntries(node, ctx.doc)) {
    const before = errorCount(ctx);
    const v = decodeNode(e.value, schema.value, ctx, join(path, e.key), e.keyNode);
    if (v !== undefined && errorCount(ctx) === before) out[e.key] = v;
  }
  return out;
}

function decodeSection(node: Node | null, schema: SectionSchema, ctx: DecodeContext, path: string, anchor: Node | null): Record<string, unknown> | undefined {
  if (schema.bare && isScalar(node) && typeof node.value === "boolean") return node.value ? {} : undefined;
  if (!isNullNode(node) && !isMap(node)) {
    report(ctx, "error", `expected a mapping, got ${describeNode(node)}`, path, node ?? anchor);
    return undefined;
  }
  const names = Object.keys(schema.fields);
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const out: Record<string, unknown> = {};
  const present: string[] = [];
  const keyNodes = new Map<string, Node | null>();
  let unknownKind = false;
  for (const e of node ? mapEntries(node, ctx.doc) : []) {
    const name = byLower.get(e.key.toLowerCase());
    if (name === undefined) {
      // Report every unknown key, even after the first (no short-circuit).
      if (reportUnknownKey(ctx, schema, e.key, names, path, e.keyNode)) unknownKind = true;
      continue;
    }
    if (present.includes(name)) {
      report(ctx, "warning", `"${name}" is given more than once (keys are case-insensitive); the last one wins`, join(path, name), e.keyNode);
    } else present.push(name);
    keyNodes.set(name, e.keyNode);
    const v = decodeNode(e.value, schema.fields[name], ctx, join(path, name), e.keyNode);
    if (v !== undefined) out[name] = v;
    else delete out[name];
  }
  for (const req of schema.required ?? []) {
    if (out[req] !== undefined) continue;
    if (!present.includes(req)) report(ctx, "error", `missing required key "${req}"`, path, anchor ?? node);
    else if (isNullValue(node, req, ctx)) report(ctx, "error", `missing value for required key "${req}"`, join(path, req), keyNodes.get(req) ?? null);
  }
  if (schema.oneOf && present.length !== 1 && !(present.length === 0 && unknownKind)) {
    const found = present.length === 0 ? "found none" : `found ${present.join(" and ")}`;
    const options = ` (${schema.oneOf.hint ?? names.join(", ")})`;
    report(ctx, "error", `expected exactly one ${schema.oneOf.what}${options}; ${found}`, path, anchor ?? node);
  }
  for (const f of schema.post?.(out) ?? []) {
    report(ctx, f.severity, f.message, f.key ? join(path, f.key) : path, anchor ?? node);
  }
  return out;
}

/** A key written with no value (`rule:`); a wrong-typed value was reported already. */
function isNullValue(node: Node | null, key: string, ctx: DecodeContext): boolean {
  if (!node) return false;
  return mapEntries(node, ctx.doc).some((e) => e.key.toLowerCase() === key.toLowerCase() && isNullNode(e.value));
}

/** Returns true when the unknown key was an unknown choice of a oneOf section (an error). */
function reportUnknownKey(ctx: DecodeContext, schema: SectionSchema, key: string, names: string[], path: string, keyNode: Node | null): boolean {
  const suggestion = didYouMean(key, names);
  const hint = suggestion ? ` (did you mean "${suggestion}"?)` : "";
  if (schema.oneOf) {
    report(ctx, "error", `unknown ${schema.oneOf.what} "${key}"${hint}`, join(path, key), keyNode);
    return true;
  }
  report(ctx, "warning", `unknown key "${key}"${hint}; it is ignored`, join(path, key), keyNode);
  return false;
}
