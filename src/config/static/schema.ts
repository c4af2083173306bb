// The shape of the static configuration as data: which options exist, their
// types, defaults and output names. Flags, env and YAML are all decoded
// against it, so the three sources agree on names, types and error messages.

export type ScalarKind = "string" | "bool" | "int" | "number" | "duration" | "enum" | "address";

export interface ScalarSchema {
  kind: ScalarKind;
  default?: string | number | boolean;
  /** enum: canonical values, matched case-insensitively. */
  values?: readonly string[];
  /** enum: other spellings mapped to a canonical value. */
  aliases?: Record<string, string>;
  /** string: a format check, with `expect` saying what is wanted. */
  pattern?: RegExp;
  expect?: string;
  out?: string;
}

export interface SectionSchema {
  kind: "section";
  fields: Record<string, SchemaNode>;
  /** Present (with defaults) even when the user did not write it. */
  always?: boolean;
  /** Traefik pointer section: a bare flag, `true` or `{}` enables it with defaults. */
  bare?: boolean;
  /** Options that must be given whenever the section is present. */
  required?: readonly string[];
  out?: string;
}

/** User-named entries: entryPoints.<name>, certificatesResolvers.<name>. */
export interface MapSchema {
  kind: "map";
  value: SchemaNode;
  always?: boolean;
  out?: string;
}

/** A list of scalars: YAML sequence, comma-separated string, or indexed keys. */
export interface ListSchema {
  kind: "list";
  item: ScalarSchema;
  default?: readonly (string | number)[];
  out?: string;
}

/** A list of sections, e.g. http.tls.domains[0].main. */
export interface ObjListSchema {
  kind: "objlist";
  item: SectionSchema;
  out?: string;
}

/** A Traefik option Sluice does not implement: accepted, warned about, dropped. */
export interface UnsupportedSchema {
  kind: "unsupported";
  note?: string;
  out?: string;
}

export type SchemaNode = ScalarSchema | SectionSchema | MapSchema | ListSchema | ObjListSchema | UnsupportedSchema;

export function isScalar(s: SchemaNode): s is ScalarSchema {
  return s.kind !== "section" && s.kind !== "map" && s.kind !== "list" && s.kind !== "objlist" && s.kind !== "unsupported";
}

/** Output property name: durations carry their unit (readTimeout -> readTimeoutMs). */
export function outKey(name: string, s: SchemaNode): string {
  if (s.out) return s.out;
  return s.kind === "duration" ? `${name}Ms` : name;
}

/** Case-insensitive lookup of an option in a section: [canonical name, schema]. */
export function findField(section: SectionSchema, written: string): [string, SchemaNode] | undefined {
  const lower = written.toLowerCase();
  for (const [name, s] of Object.entries(section.fields)) {
    if (name.toLowerCase() === lower) return [name, s];
  }
  return undefined;
}

export const INDEX = /^\d+$/;

/**
 * Follows written path segments through the schema (maps consume a name,
 * lists an index). Returns undefined for an unknown path; stops at an
 * unsupported subtree, which accepts anything below it.
 */
export function resolvePath(root: SchemaNode, segments: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode = root;
  for (const seg of segments) {
    switch (node.kind) {
      case "section": {
        const f = findField(node, seg);
        if (!f) return undefined;
        node = f[1];
        break;
      }
      case "map":
        node = node.value;
        break;
      case "objlist":
        if (!INDEX.test(seg)) return undefined;
        node = node.item;
        break;
      case "list":
        if (!INDEX.test(seg)) return undefined;
        node = node.item;
        break;
      case "unsupported":
        return node;
      default:
        return undefined;
    }
  }
  return node;
}

/** What a value of this schema should look like, for error messages. */
export function describeExpected(s: SchemaNode): string {
  switch (s.kind) {
    case "string":
      return s.expect ?? "a string";
    case "bool":
      return "true or false";
    case "int":
      return "an integer";
    case "number":
      return "a number";
    case "duration":
      return 'a duration like "10s", "1m30s", "100ms" or a number of seconds';
    case "enum":
      return `one of ${(s.values ?? []).join(", ")}`;
    case "address":
      return 'an address like ":80", "0.0.0.0:80" or "[::1]:8443"';
    case "list":
      return `a list of ${describeExpected(s.item).replace(/^an? /, "")} values`;
    case "objlist":
      return "a list of sections";
    case "section":
      return `a section with options ${Object.keys(s.fields).join(", ")}${s.bare ? " (or true to enable it)" : ""}`;
    case "map":
      return "a map of named entries";
    case "unsupported":
      return "anything";
  }
}
