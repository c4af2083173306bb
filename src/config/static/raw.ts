// The untyped tree every source is turned into before decoding, with the
// origin of each key and value so diagnostics can point at what the user wrote.
import type { Diagnostic, Severity } from "../diagnostic.ts";

export type Origin =
  | { source: "flag"; flag: string }
  | { source: "env"; name: string }
  | { source: "file"; file: string; line: number; column: number };

export interface RawScalar {
  kind: "scalar";
  value: string | number | boolean | null;
  origin: Origin;
}

export interface RawEntry {
  /** The key as written (case kept). */
  key: string;
  keyOrigin: Origin;
  value: RawNode;
}

export interface RawMap {
  kind: "map";
  entries: RawEntry[];
  origin: Origin;
}

export interface RawSeq {
  kind: "seq";
  items: RawNode[];
  origin: Origin;
}

export type RawNode = RawScalar | RawMap | RawSeq;

/** Where the setting came from, in words, for flags and env (files use file:line:col). */
export function describeOrigin(o: Origin): string {
  switch (o.source) {
    case "flag":
      return `flag ${o.flag}`;
    case "env":
      return `environment variable ${o.name}`;
    case "file":
      return `${o.file}:${o.line}:${o.column}`;
  }
}

/** Builds a Diagnostic located at `origin`; `path` is the option as written. */
export function diagAt(severity: Severity, message: string, origin: Origin | undefined, path?: string): Diagnostic {
  const d: Diagnostic = { severity, message, path };
  if (!origin) return d;
  if (origin.source === "file") {
    d.file = origin.file;
    d.line = origin.line;
    d.column = origin.column;
  } else {
    d.message = `${message} (${describeOrigin(origin)})`;
  }
  return d;
}
