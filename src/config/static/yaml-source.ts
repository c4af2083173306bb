// The static config file (YAML) as a raw tree whose every key and value
// knows its file:line:col, using the yaml package's node ranges.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { Diagnostic } from "../diagnostic.ts";
import type { Origin, RawEntry, RawMap, RawNode } from "./raw.ts";

export interface ParsedYaml {
  tree?: RawMap;
  diagnostics: Diagnostic[];
}

export function parseYamlSource(text: string, file: string): ParsedYaml {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  const at = (offset: number | undefined): Origin => {
    const p = lc.linePos(offset ?? 0);
    return { source: "file", file, line: p.line, column: p.col };
  };

  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    const p = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    diagnostics.push({
      severity: "error",
      message: `invalid YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
      file,
      line: p.line,
      column: p.col,
    });
  }
  if (diagnostics.length > 0) return { diagnostics };

  const contents = doc.contents as Node | null;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    return { tree: { kind: "map", entries: [], origin: at(0) }, diagnostics };
  }
  const tree = toRaw(contents, doc, at);
  if (tree.kind !== "map") {
    diagnostics.push({ severity: "error", message: "the static configuration file must be a YAML mapping", ...pos(tree.origin) });
    return { diagnostics };
  }
  return { tree, diagnostics };
}

function pos(o: Origin): { file?: string; line?: number; column?: number } {
  return o.source === "file" ? { file: o.file, line: o.line, column: o.column } : {};
}

function toRaw(node: unknown, doc: Document, at: (offset: number | undefined) => Origin, depth = 0): RawNode {
  if (isAlias(node) && depth < 64) return toRaw(node.resolve(doc), doc, at, depth + 1);
  const range = (node as Node | null)?.range;
  const origin = at(range?.[0]);
  if (isMap(node)) {
    const entries: RawEntry[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value ?? "") : String(keyNode ?? "");
      const keyOrigin = at(keyNode?.range?.[0] ?? range?.[0]);
      const value: RawNode =
        pair.value === null || pair.value === undefined
          ? { kind: "scalar", value: null, origin: keyOrigin }
          : toRaw(pair.value, doc, at, depth + 1);
      entries.push({ key, keyOrigin, value });
    }
    return { kind: "map", entries, origin };
  }
  if (isSeq(node)) {
    return { kind: "seq", items: node.items.map((n) => toRaw(n, doc, at, depth + 1)), origin };
  }
  if (isScalar(node)) {
    const v = node.value;
    const value = v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : String(v);
    return { kind: "scalar", value, origin };
  }
  return { kind: "scalar", value: null, origin };
}
