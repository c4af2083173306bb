// Dynamic configuration YAML (what the file provider reads) into a
// DynamicConfig, validated against Traefik's schema, with every problem
// located at file:line:col.
import { isMap, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { Diagnostic } from "../diagnostic.ts";
import { decodeNode, report, type DecodeContext } from "./decode.ts";
import { decodePlain } from "./decode-plain.ts";
import { DYNAMIC_SCHEMA } from "./schema.ts";
import type { DynamicConfig } from "./types.ts";
import { isNullNode } from "./yaml-nodes.ts";

export interface ParsedDynamic {
  config: DynamicConfig;
  diagnostics: Diagnostic[];
}

// The yaml package keeps positions but parses ~0.3 MB/s here (a 10,000-router
// file took 3 s, blocking the event loop). Large files are parsed with
// Bun.YAML first and decoded from that; positions are only needed when there
// is something to report, and then the slow, exact parse runs. The plain data
// is decoded as is (decode-plain.ts), not through a yaml node tree.
const FAST_PATH_MIN_CHARS = 64 * 1024;

export function parseDynamicYaml(text: string, file: string): ParsedDynamic {
  if (text.length >= FAST_PATH_MIN_CHARS) {
    const fast = parseFast(text, file);
    if (fast) return fast;
  }
  return parseExact(text, file);
}

function parseFast(text: string, file: string): ParsedDynamic | null {
  let data: unknown;
  try {
    data = Bun.YAML.parse(text);
  } catch {
    return null;
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) return null;
  // Null when the exact parse would report something: it runs then, with positions.
  const decoded = decodePlain(data, DYNAMIC_SCHEMA);
  if (!decoded) return null;
  return { config: pruneEmpty((decoded.value ?? {}) as Record<string, unknown>) as DynamicConfig, diagnostics: [] };
}

function parseExact(text: string, file: string): ParsedDynamic {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true, uniqueKeys: true, prettyErrors: false });
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    const p = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    diagnostics.push({
      severity: "error",
      message: `invalid YAML: ${firstLine(e.message)}`,
      file,
      line: p.line,
      column: p.col,
    });
  }
  if (diagnostics.length > 0) return { config: {}, diagnostics };
  return decodeDocument(doc, lc, file);
}

function decodeDocument(doc: Document, lc: LineCounter, file: string): ParsedDynamic {
  const diagnostics: Diagnostic[] = [];
  const ctx: DecodeContext = { file, lc, doc, diagnostics };
  const root = (doc.contents as Node | null) ?? null;
  if (isNullNode(root)) return { config: {}, diagnostics };
  if (!isMap(root)) {
    report(ctx, "error", "the dynamic configuration must be a YAML mapping (http:, tls:)", "", root);
    return { config: {}, diagnostics };
  }
  const decoded = decodeNode(root, DYNAMIC_SCHEMA, ctx, "", root) as Record<string, unknown> | undefined;
  return { config: pruneEmpty(decoded ?? {}) as DynamicConfig, diagnostics };
}

function firstLine(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/** Drop empty top-level sections so `http: {}` and no `http` compare equal. */
function pruneEmpty(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [section, value] of Object.entries(config)) {
    if (!value || typeof value !== "object") continue;
    const inner = Object.fromEntries(
      Object.entries(value as Record<string, unknown>).filter(([, v]) => !(Array.isArray(v) && v.length === 0) && v !== undefined),
    );
    if (Object.keys(inner).length > 0) out[section] = inner;
  }
  return out;
}
