// Environment variables, Traefik's scheme: SLUICE_ENTRYPOINTS_WEB_ADDRESS=:80.
// Underscores separate path segments and names are lowercased (as Traefik's
// env loader does). TRAEFIK_* is read too for drop-in users; SLUICE_* wins.
// Unlike Traefik, a user-named entry ("my_web") may hold underscores: the
// split is guided by the schema, taking the shortest name that leaves a valid path.
import type { Diagnostic } from "../diagnostic.ts";
import { buildTree, type FlatSetting } from "./flat-tree.ts";
import { diagAt, type Origin, type RawMap } from "./raw.ts";
import { findField, INDEX, type SchemaNode, type SectionSchema } from "./schema.ts";
import { didYouMean } from "./suggest.ts";

export const ENV_PREFIXES = ["TRAEFIK_", "SLUICE_"] as const; // later wins

/** SLUICE_* variables that configure something other than the static config. */
export const NON_CONFIG_ENV = new Set(["UPSTREAM", "FRONT", "IT_BIG_MIB"]);

// Kubernetes injects <SERVICE>_SERVICE_HOST, <SERVICE>_PORT_80_TCP... for a
// Service named "traefik" or "sluice"; they are not configuration.
const SERVICE_LINK = /^(SERVICE_HOST|SERVICE_PORT(_.*)?|PORT(_.*)?)$/i;

export interface ParsedEnv {
  tree?: RawMap;
  configFile?: string;
  diagnostics: Diagnostic[];
}

export function parseEnv(env: Record<string, string | undefined>, schema: SectionSchema): ParsedEnv {
  const diagnostics: Diagnostic[] = [];
  const byPath = new Map<string, FlatSetting>();
  let configFile: string | undefined;

  for (const prefix of ENV_PREFIXES) {
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined || !name.toUpperCase().startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      if (rest === "" || SERVICE_LINK.test(rest)) continue;
      if (prefix === "SLUICE_" && NON_CONFIG_ENV.has(rest.toUpperCase())) continue;
      if (rest.toLowerCase() === "configfile") {
        configFile = value;
        continue;
      }
      const parts = rest.toLowerCase().split("_");
      const origin: Origin = { source: "env", name };
      if (!findField(schema, parts[0])) {
        // Unknown at the top: may be some other tool's variable; warn, do not fail.
        const hint = didYouMean(parts[0], Object.keys(schema.fields));
        const msg = `unknown option "${parts[0]}", variable ignored${hint ? `; did you mean "${hint}"?` : ""}`;
        diagnostics.push(diagAt("warning", msg, origin, parts.join(".")));
        continue;
      }
      const segments = segmentEnvName(parts, schema) ?? parts;
      byPath.set(segments.join("."), { segments, value, origin });
    }
  }

  const settings = [...byPath.values()];
  const tree = settings.length > 0 ? buildTree(settings, schema, settings[0].origin) : undefined;
  return { tree, configFile, diagnostics };
}

/** Groups underscore-split parts into path segments using the schema. */
export function segmentEnvName(parts: readonly string[], schema: SchemaNode): string[] | undefined {
  return walk(parts, 0, schema);
}

function walk(parts: readonly string[], i: number, node: SchemaNode): string[] | undefined {
  if (i === parts.length) return [];
  switch (node.kind) {
    case "section": {
      const f = findField(node, parts[i]);
      if (!f) return undefined;
      const rest = walk(parts, i + 1, f[1]);
      return rest && [parts[i], ...rest];
    }
    case "map": {
      // The name alone (no option after it) only fits entries that are values.
      const last = node.value.kind === "section" && !node.value.bare ? parts.length - 1 : parts.length;
      for (let k = i + 1; k <= last; k++) {
        const rest = walk(parts, k, node.value);
        if (rest) return [parts.slice(i, k).join("_"), ...rest];
      }
      return undefined;
    }
    case "list":
      return INDEX.test(parts[i]) && i + 1 === parts.length ? [parts[i]] : undefined;
    case "objlist": {
      if (!INDEX.test(parts[i])) return undefined;
      const rest = walk(parts, i + 1, node.item);
      return rest && [parts[i], ...rest];
    }
    case "unsupported":
      return parts.slice(i);
    default:
      return undefined; // a scalar with parts left over
  }
}
