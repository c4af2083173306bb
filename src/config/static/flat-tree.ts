// Turns flat `a.b.c=value` settings (flags, env vars) into a raw tree.
// Keys merge case-insensitively, keeping the first spelling, as Traefik's
// flag parser does; a repeated list option appends, as Traefik's does.
import type { Origin, RawEntry, RawMap, RawNode } from "./raw.ts";
import { resolvePath, type SchemaNode } from "./schema.ts";

export interface FlatSetting {
  /** Path segments as written; list indexes are their own segment ("0"). */
  segments: string[];
  value: string;
  origin: Origin;
}

export function buildTree(settings: readonly FlatSetting[], schema: SchemaNode, rootOrigin: Origin): RawMap {
  const root: RawMap = { kind: "map", entries: [], origin: rootOrigin };
  for (const s of settings) place(root, s, schema);
  return root;
}

function place(root: RawMap, s: FlatSetting, schema: SchemaNode): void {
  let node: RawMap = root;
  for (let i = 0; i < s.segments.length; i++) {
    const key = s.segments[i];
    const last = i === s.segments.length - 1;
    let entry = findEntry(node, key);
    if (last) {
      const scalar: RawNode = { kind: "scalar", value: s.value, origin: s.origin };
      if (!entry) {
        node.entries.push({ key, keyOrigin: s.origin, value: scalar });
      } else if (entry.value.kind === "map") {
        // `--accesslog` after `--accesslog.format=json` adds nothing; an explicit false wins.
        if (!isEnable(s.value)) entry.value = scalar;
      } else if (entry.value.kind === "scalar" && isList(schema, s.segments)) {
        entry.value = { ...scalar, value: `${String(entry.value.value)},${s.value}` };
      } else {
        entry.value = scalar;
      }
      return;
    }
    if (!entry) {
      entry = { key, keyOrigin: s.origin, value: { kind: "map", entries: [], origin: s.origin } };
      node.entries.push(entry);
    } else if (entry.value.kind !== "map") {
      // A bare `--accesslog` followed by `--accesslog.format=json`: the section is
      // enabled by its options anyway. `--accesslog=false` then options: last wins.
      entry.value = { kind: "map", entries: [], origin: s.origin };
    }
    node = entry.value as RawMap;
  }
}

function findEntry(node: RawMap, key: string): RawEntry | undefined {
  const lower = key.toLowerCase();
  return node.entries.find((e) => e.key.toLowerCase() === lower);
}

function isEnable(v: string): boolean {
  return v === "" || v.toLowerCase() === "true";
}

function isList(schema: SchemaNode, segments: readonly string[]): boolean {
  const s = resolvePath(schema, segments);
  return s?.kind === "list";
}
