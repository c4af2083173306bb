// The vocabulary the dynamic schema is written in. The decoder walks YAML
// nodes against these descriptions, so adding an option is adding data.

/** A problem found by a `post` check: reported at the section's position. */
export interface PostFinding {
  severity: "error" | "warning";
  message: string;
  /** Key under the section the finding is about (appended to the path). */
  key?: string;
}

export type FieldSchema =
  | StringSchema
  | { kind: "int" }
  | { kind: "bool" }
  /** Go duration string ("10s", "1m30s") or a number of seconds. */
  | { kind: "duration" }
  | { kind: "list"; item: FieldSchema }
  | SectionSchema
  | MapSchema
  /** A mapping kept as plain data, not validated further (middleware options). */
  | { kind: "raw" }
  /** A Traefik section Sluice does not implement: warned about and dropped. */
  | { kind: "unsupported"; message: string };

export interface StringSchema {
  kind: "string";
  /** Allowed values (exact match). */
  values?: readonly string[];
  /** Returns what was expected when the value is not acceptable. */
  check?: (value: string) => string | undefined;
}

export interface SectionSchema {
  kind: "section";
  fields: Record<string, FieldSchema>;
  required?: readonly string[];
  /** Exactly one of the fields must be present (service types, middleware kinds). */
  oneOf?: { what: string; /** Shown instead of the full list of choices. */ hint?: string };
  /** `null` or `true` stands for an empty section (`tls:` on a router). */
  bare?: boolean;
  /** Extra checks on the decoded value. */
  post?: (value: Record<string, unknown>) => PostFinding[];
}

/** User-named entries: routers.<name>, services.<name>, ... */
export interface MapSchema {
  kind: "map";
  value: FieldSchema;
}

export function section(
  fields: Record<string, FieldSchema>,
  extra: Omit<SectionSchema, "kind" | "fields"> = {},
): SectionSchema {
  return { kind: "section", fields, ...extra };
}

export const str: StringSchema = { kind: "string" };
export const int: FieldSchema = { kind: "int" };
export const bool: FieldSchema = { kind: "bool" };
export const duration: FieldSchema = { kind: "duration" };
export const raw: FieldSchema = { kind: "raw" };
export const strList: FieldSchema = { kind: "list", item: str };

export function list(item: FieldSchema): FieldSchema {
  return { kind: "list", item };
}

export function mapOf(value: FieldSchema): MapSchema {
  return { kind: "map", value };
}

export function oneOfStrings(values: readonly string[]): StringSchema {
  return { kind: "string", values };
}
