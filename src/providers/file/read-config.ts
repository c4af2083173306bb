// One full read of the file provider's source: every file parsed and the
// results merged. Re-reading everything on each change is simple and always
// right; configs are small.
import { readFile, stat } from "node:fs/promises";
import type { Diagnostic } from "../../config/diagnostic.ts";
import { mergeFiles, type FileConfig } from "../../config/dynamic/merge-files.ts";
import { parseDynamicYaml } from "../../config/dynamic/parse.ts";
import { fileLocator, type Locator } from "../../config/dynamic/locate.ts";
import type { DynamicConfig } from "../../config/dynamic/types.ts";
import { configFileKind, listConfigFiles } from "./list-files.ts";

export interface FileSource {
  filename?: string;
  directory?: string;
}

export interface FileRead {
  config: DynamicConfig;
  diagnostics: Diagnostic[];
  /** Turns a key path found later (at compile time) back into file:line:col. */
  locate?: Locator;
}

const TOML = "TOML is not supported by Sluice; convert it to YAML (.yml or .yaml)";

export async function readFileSource(source: FileSource): Promise<FileRead> {
  const diagnostics: Diagnostic[] = [];
  let paths: string[] = [];
  if (source.filename) {
    const kind = configFileKind(source.filename);
    if (kind === "toml") return { config: {}, diagnostics: [{ severity: "error", file: source.filename, message: TOML }] };
    paths = [source.filename];
  } else if (source.directory) {
    const info = await stat(source.directory).catch((e: NodeJS.ErrnoException) => e);
    if (info instanceof Error || !info.isDirectory()) {
      const why = info instanceof Error ? errorText(info) : "not a directory";
      return { config: {}, diagnostics: [{ severity: "error", file: source.directory, message: `cannot read the configuration directory: ${why}` }] };
    }
    const listed = await listConfigFiles(source.directory);
    for (const file of listed.toml) diagnostics.push({ severity: "warning", file, message: `${TOML}; the file is ignored` });
    paths = listed.yaml;
  } else {
    return { config: {}, diagnostics: [{ severity: "error", message: "the file provider needs a filename or a directory" }] };
  }

  const parsed: FileConfig[] = [];
  const sources: { file: string; text: string; names: Set<string> }[] = [];
  for (const file of paths) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      // In a directory, a file deleted between listing and reading is simply gone.
      if (source.directory && err.code === "ENOENT") continue;
      diagnostics.push({ severity: "error", file, message: `cannot read the configuration file: ${errorText(err)}` });
      continue;
    }
    const result = parseDynamicYaml(text, file);
    diagnostics.push(...result.diagnostics);
    parsed.push({ file, config: result.config });
    sources.push({ file, text, names: namedElements(result.config) });
  }
  const merged = mergeFiles(parsed);
  return { config: merged.config, diagnostics: [...diagnostics, ...merged.diagnostics], locate: fileLocator(sources) };
}

function errorText(e: NodeJS.ErrnoException): string {
  if (e.code === "ENOENT") return "no such file or directory";
  if (e.code === "EACCES") return "permission denied";
  return e.message;
}

/** `http.routers.api`, `tls.options.modern`, ... for every named element of one file. */
function namedElements(config: DynamicConfig): Set<string> {
  const names = new Set<string>();
  for (const [group, sections] of Object.entries(config) as [string, Record<string, unknown> | undefined][]) {
    for (const [section, elements] of Object.entries(sections ?? {})) {
      if (elements && typeof elements === "object" && !Array.isArray(elements)) {
        for (const name of Object.keys(elements)) names.add(`${group}.${section}.${name}`);
      }
    }
  }
  return names;
}
