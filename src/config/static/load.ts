// Loads the static configuration from CLI flags, a YAML file and env vars.
//
// Which sources are read. Traefik's docs call its three sources "mutually
// exclusive": it takes the file if one is found (flags then only locate the
// file and are otherwise ignored), else the flags, else TRAEFIK_* env vars.
// Sluice keeps the "env only when nothing else" part, but merges flags over
// the file instead of silently dropping them (a deliberate difference: the
// ignored flags were a frequent Traefik surprise). Concretely:
//   - `--configFile=path` (or SLUICE_CONFIGFILE / TRAEFIK_CONFIGFILE when no
//     flags are given) names the YAML file; no default locations are searched;
//   - any other flag is applied over the file, flag wins per option;
//   - SLUICE_* / TRAEFIK_* variables are read only when there is neither a
//     flag nor a file.
import { readFileSync } from "node:fs";
import type { Diagnostic } from "../diagnostic.ts";
import { decodeTree } from "./decode.ts";
import { parseEnv } from "./env.ts";
import { parseFlags } from "./flags.ts";
import { mergePartial, type Origins } from "./merge.ts";
import { normalize } from "./normalize.ts";
import type { RawMap } from "./raw.ts";
import { STATIC_SCHEMA } from "./static-schema.ts";
import type { StaticConfig } from "./types.ts";
import { parseYamlSource } from "./yaml-source.ts";

// Re-exported so callers need one import for loading and reporting.
export { unsupportedNotices } from "./notices.ts";

export interface StaticLoadResult {
  config: StaticConfig;
  diagnostics: Diagnostic[];
  /** The YAML file read, when there was one. */
  configFile?: string;
}

export type ReadFile = (path: string) => string;

const defaultReadFile: ReadFile = (p) => readFileSync(p, "utf8");

export function loadStaticConfig(
  args: string[],
  env: Record<string, string | undefined>,
  readFile: ReadFile = defaultReadFile,
): StaticLoadResult {
  const diagnostics: Diagnostic[] = [];
  const origins: Origins = new WeakMap();
  const decode = (tree: RawMap | undefined): Record<string, unknown> => {
    if (!tree) return {};
    const r = decodeTree(tree, STATIC_SCHEMA, origins);
    diagnostics.push(...r.diagnostics);
    return r.value;
  };

  const flags = parseFlags(args, STATIC_SCHEMA);
  diagnostics.push(...flags.diagnostics);
  let configFile = flags.configFile;
  let envTree: RawMap | undefined;
  if (!flags.tree && configFile === undefined) {
    const fromEnv = parseEnv(env, STATIC_SCHEMA);
    configFile = fromEnv.configFile;
    if (configFile === undefined) {
      diagnostics.push(...fromEnv.diagnostics);
      envTree = fromEnv.tree;
    }
  }

  let partial: Record<string, unknown> = {};
  if (configFile !== undefined) partial = decode(readConfigFile(configFile, readFile, diagnostics));
  partial = mergePartial(partial, decode(flags.tree), origins) as Record<string, unknown>;
  if (envTree) partial = decode(envTree);

  const normalized = normalize(partial, origins);
  diagnostics.push(...normalized.diagnostics);
  return { config: normalized.config, diagnostics, configFile };
}

function readConfigFile(path: string, readFile: ReadFile, diagnostics: Diagnostic[]): RawMap | undefined {
  if (path.trim() === "") {
    diagnostics.push({ severity: "error", message: "--configFile needs a file path", path: "configFile" });
    return undefined;
  }
  if (/\.toml$/i.test(path)) {
    diagnostics.push({
      severity: "error",
      message: `cannot read ${path}: TOML configuration files are not supported; write the same options in YAML`,
      file: path,
    });
    return undefined;
  }
  let text: string;
  try {
    text = readFile(path);
  } catch (e) {
    diagnostics.push({ severity: "error", message: `cannot read configuration file: ${(e as Error).message}`, file: path });
    return undefined;
  }
  const parsed = parseYamlSource(text, path);
  diagnostics.push(...parsed.diagnostics);
  return parsed.tree;
}
