import { isMap, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import type { Diagnostic } from "../diagnostic.ts";

// Compile-time problems (a router naming a missing service, a middleware
// option out of range) are found after merging, where only a key path is
// known: `http.routers.api@file.service`. A provider that read files keeps
// a locator, and the path is turned back into file:line:col by parsing that
// file again, only when there is something to report.

export interface SourcePosition {
  file: string;
  line?: number;
  column?: number;
}

/** Finds an unqualified key path (["http", "routers", "api", "service"]) in a provider's sources. */
export type Locator = (path: string[]) => SourcePosition | undefined;

const QUALIFIED = /^((?:http\.(?:routers|services|middlewares|serversTransports))|(?:tls\.(?:options|stores)))\.(.+?)@([A-Za-z0-9_-]+)(?:\.(.*))?$/;

/** Splits `a.b[2].c` into ["a", "b", "2", "c"]. */
export function splitKeyPath(path: string): string[] {
  return path.split(".").flatMap((seg) => seg.split(/\[(\d+)\]/).filter((s) => s !== ""));
}

/** Fills file/line/column of diagnostics that only carry a qualified key path. */
export function locateDiagnostics(diagnostics: Diagnostic[], locators: ReadonlyMap<string, Locator>): Diagnostic[] {
  return diagnostics.map((d) => {
    if (d.file || !d.path) return d;
    const m = QUALIFIED.exec(d.path);
    if (!m) return d;
    const [, section, name, provider, rest] = m;
    const locate = locators.get(provider);
    const pos = locate?.([...section.split("."), name, ...(rest ? splitKeyPath(rest) : [])]);
    return pos ? { ...d, ...pos } : d;
  });
}

/** Line and column of the deepest node of `path` present in `text` (keys matched case-insensitively). */
export function locateInYaml(text: string, path: string[]): { line: number; column: number } | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  let node = doc.contents as Node | null;
  let pos: number | undefined = node?.range?.[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key).toLowerCase() === seg.toLowerCase());
      if (!pair) break;
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      // Point at the value when it is a scalar (the wrong thing), at the key otherwise.
      pos = (valueNode && !isMap(valueNode) && !isSeq(valueNode) ? valueNode.range?.[0] : keyNode?.range?.[0]) ?? pos;
      node = valueNode;
    } else if (isSeq(node) && /^\d+$/.test(seg)) {
      const item = node.items[Number(seg)] as Node | undefined;
      if (!item) break;
      pos = item.range?.[0] ?? pos;
      node = item;
    } else break;
  }
  if (pos === undefined) return undefined;
  const p = lc.linePos(pos);
  return { line: p.line, column: p.col };
}

/** A locator over files whose named elements were merged (first definition wins, as mergeFiles does). */
export function fileLocator(files: readonly { file: string; text: string; names: ReadonlySet<string> }[]): Locator {
  return (path) => {
    const id = path.slice(0, 3).join(".");
    const owner = files.find((f) => f.names.has(id));
    if (!owner) return undefined;
    return { file: owner.file, ...locateInYaml(owner.text, path) };
  };
}
