// CLI flags, Traefik style: `--entrypoints.web.address=:80`, `--entryPoints.web.address :80`,
// bare booleans and sections (`--accesslog`, `--api.insecure`), comma lists or
// indexed ones (`--...trustedIPs[0]=10.0.0.0/8`). One or two dashes, as Go's flag package.
import type { Diagnostic } from "../diagnostic.ts";
import { buildTree, type FlatSetting } from "./flat-tree.ts";
import { diagAt, type Origin, type RawMap } from "./raw.ts";
import { resolvePath, type SchemaNode } from "./schema.ts";

export interface ParsedFlags {
  /** Every flag except --configFile, as a raw tree; undefined when there were none. */
  tree?: RawMap;
  configFile?: string;
  diagnostics: Diagnostic[];
}

const SEGMENT = /^([^[\]]+)((?:\[\d+\])*)$/;

/** Splits `domains[0].main` into ["domains", "0", "main"]; undefined when malformed. */
export function splitFlagPath(name: string): string[] | undefined {
  const out: string[] = [];
  for (const part of name.split(".")) {
    const m = SEGMENT.exec(part);
    if (!m) return undefined;
    out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(idx[1]);
  }
  return out;
}

const TRUE_FALSE = /^(true|false)$/i;

export function parseFlags(args: readonly string[], schema: SchemaNode): ParsedFlags {
  const diagnostics: Diagnostic[] = [];
  const settings: FlatSetting[] = [];
  let configFile: string | undefined;

  let i = 0;
  while (i < args.length) {
    const arg = args[i++];
    if (arg === "--") {
      for (const rest of args.slice(i)) diagnostics.push(unexpected(rest));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      diagnostics.push(unexpected(arg));
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq > 0 ? body.slice(0, eq) : body;
    const origin: Origin = { source: "flag", flag: `--${name}` };
    const segments = splitFlagPath(name);
    if (name === "" || name.startsWith("-") || name.startsWith("=") || !segments) {
      diagnostics.push(diagAt("error", `bad flag syntax "${arg}": expected --option.path=value`, undefined, name));
      continue;
    }

    let value: string | undefined = eq > 0 ? body.slice(eq + 1) : undefined;
    if (value === undefined) {
      const next = args[i];
      const target = name.toLowerCase() === "configfile" ? ({ kind: "string" } as const) : resolvePath(schema, segments);
      const mode = valueMode(target);
      if (mode === "bare") {
        if (next !== undefined && TRUE_FALSE.test(next)) value = args[i++];
        else value = "true";
      } else if (mode === "next" && next !== undefined) {
        value = args[i++];
      } else if (mode === "next-if-value" && next !== undefined && !next.startsWith("-")) {
        value = args[i++];
      } else if (mode === "next-if-value") {
        value = "true";
      } else {
        diagnostics.push(diagAt("error", `flag --${name} needs a value`, undefined, name));
        continue;
      }
    }

    if (name.toLowerCase() === "configfile") {
      configFile = value;
      continue;
    }
    settings.push({ segments, value, origin });
  }

  const tree = settings.length > 0 ? buildTree(settings, schema, settings[0].origin) : undefined;
  return { tree, configFile, diagnostics };
}

type ValueMode = "bare" | "next" | "next-if-value";

/** How a flag written without `=` gets its value, from the option's type. */
function valueMode(target: SchemaNode | undefined): ValueMode {
  if (!target) return "next-if-value"; // unknown: reported later, guess sensibly meanwhile
  if (target.kind === "bool") return "bare";
  if (target.kind === "section") return target.bare ? "bare" : "next-if-value";
  if (target.kind === "unsupported") return "next-if-value";
  return "next";
}

function unexpected(arg: string): Diagnostic {
  return diagAt("error", `unexpected argument "${arg}": static options are flags like --entrypoints.web.address=:80`, undefined);
}
