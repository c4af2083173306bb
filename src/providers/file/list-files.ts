// The configuration files under a directory: *.yml / *.yaml, recursively,
// sorted by path. Hidden entries are skipped, which also skips the `..data`
// and `..2026_...` internals of a Kubernetes ConfigMap mount; the visible
// names there are symlinks into `..data` and are followed.
import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { extname, join } from "node:path";

export interface ListedFiles {
  yaml: string[];
  /** TOML files found: reported as unsupported. */
  toml: string[];
}

/** Directory symlinks can form cycles; a bound on depth is a second guard. */
const MAX_DEPTH = 32;

export function configFileKind(path: string): "yaml" | "toml" | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === ".yml" || ext === ".yaml") return "yaml";
  if (ext === ".toml") return "toml";
  return undefined;
}

export async function listConfigFiles(directory: string): Promise<ListedFiles> {
  const out: ListedFiles = { yaml: [], toml: [] };
  await walk(directory, out, new Set(), 0);
  out.yaml.sort();
  out.toml.sort();
  return out;
}

async function walk(dir: string, out: ListedFiles, visited: Set<string>, depth: number): Promise<void> {
  if (depth > MAX_DEPTH) return;
  const real = await realpath(dir).catch(() => undefined);
  if (real === undefined || visited.has(real)) return;
  visited.add(real);
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    // The top directory must exist (the caller checks); a subdirectory that
    // vanished while being read will be seen by the next re-read.
    if (depth === 0) throw e;
    return;
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    // stat follows symlinks; a dangling one (mid-swap) is skipped.
    const info = await stat(path).catch(() => undefined);
    if (!info) continue;
    if (info.isDirectory()) {
      await walk(path, out, visited, depth + 1);
      continue;
    }
    if (!info.isFile()) continue;
    const kind = configFileKind(path);
    if (kind) out[kind].push(path);
  }
}
