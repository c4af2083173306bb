// Small helpers over the yaml package's node tree: alias resolution, map
// entries with `<<` merge keys expanded, and node descriptions for messages.
import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from "yaml";

/** Anchors can nest; a bound keeps a pathological file from looping. */
const MAX_ALIAS_DEPTH = 32;

export function resolveNode(node: unknown, doc: Document): Node | null {
  let current = node;
  for (let i = 0; i < MAX_ALIAS_DEPTH && isAlias(current); i++) current = current.resolve(doc);
  if (isAlias(current)) return null;
  return (current as Node | null | undefined) ?? null;
}

export interface MapEntry {
  key: string;
  /** The key node, for positions; null for keys that are not plain scalars. */
  keyNode: Node | null;
  value: Node | null;
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  return key.value === "<<" || (typeof key.value === "symbol" && key.source === "<<");
}

/**
 * The entries of a mapping, in order. Keys brought in by `<<: *anchor` come
 * first and lose against keys written in the mapping itself, as YAML says.
 */
export function mapEntries(node: Node, doc: Document, depth = 0): MapEntry[] {
  if (!isMap(node)) return [];
  const own: MapEntry[] = [];
  const merged: MapEntry[] = [];
  for (const pair of node.items) {
    if (isMergeKey(pair.key)) {
      if (depth >= MAX_ALIAS_DEPTH) continue;
      const source = resolveNode(pair.value, doc);
      const sources = isSeq(source) ? source.items.map((n) => resolveNode(n, doc)) : [source];
      for (const s of sources) if (s) merged.push(...mapEntries(s, doc, depth + 1));
      continue;
    }
    const keyNode = (pair.key as Node | null) ?? null;
    const key = isScalar(keyNode) ? String(keyNode.value ?? "") : String(keyNode ?? "");
    own.push({ key, keyNode, value: resolveNode(pair.value, doc) });
  }
  const ownKeys = new Set(own.map((e) => e.key));
  const seen = new Set<string>();
  const fromMerge = merged.filter((e) => {
    if (ownKeys.has(e.key) || seen.has(e.key)) return false;
    seen.add(e.key);
    return true;
  });
  return [...fromMerge, ...own];
}

export function isNullNode(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/** "a mapping", "a list", `"abc"`, `42`, ... for "expected X, got Y". */
export function describeNode(node: Node | null): string {
  if (isNullNode(node)) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    return typeof v === "string" ? JSON.stringify(v) : String(v);
  }
  return "an unsupported value";
}
