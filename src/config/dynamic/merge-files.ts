// Several files of one file provider form one config. Names are not
// qualified here (all belong to the same provider); a name defined in two
// files is an error naming both, and only the first file's definition is kept
// (Traefik logs and skips the later one).
import type { Diagnostic } from "../diagnostic.ts";
import { deepEqual } from "./stable-json.ts";
import type { DynamicConfig, HttpConfig, TlsConfig } from "./types.ts";

export interface FileConfig {
  file: string;
  config: DynamicConfig;
}

type NamedSection = readonly [group: "http" | "tls", key: string, what: string];

const NAMED: readonly NamedSection[] = [
  ["http", "routers", "router"],
  ["http", "services", "service"],
  ["http", "middlewares", "middleware"],
  ["http", "serversTransports", "servers transport"],
  ["tls", "options", "TLS option"],
  ["tls", "stores", "TLS store"],
];

/** Files are merged in the order given; callers pass them sorted by path. */
export function mergeFiles(files: readonly FileConfig[]): { config: DynamicConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const out: { http: Record<string, Record<string, unknown>>; tls: Record<string, Record<string, unknown>> } = { http: {}, tls: {} };
  const definedIn = new Map<string, string>();
  const certificates: NonNullable<TlsConfig["certificates"]> = [];

  for (const { file, config } of files) {
    for (const [group, key, what] of NAMED) {
      const source = (config[group] as Record<string, Record<string, unknown> | undefined> | undefined)?.[key];
      for (const [name, element] of Object.entries(source ?? {})) {
        const target = (out[group][key] ??= {});
        const id = `${group}.${key}.${name}`;
        const first = definedIn.get(id);
        if (first === undefined) {
          definedIn.set(id, file);
          target[name] = element;
        } else if (!(group === "tls" && deepEqual(target[name], element))) {
          diagnostics.push({
            severity: "error",
            file,
            path: id,
            message: `${what} "${name}" is defined in both ${first} and ${file}; the definition in ${file} is ignored`,
          });
        }
      }
    }
    for (const cert of config.tls?.certificates ?? []) {
      if (!certificates.some((c) => deepEqual(c, cert))) certificates.push(cert);
    }
  }

  const config: DynamicConfig = {};
  if (Object.keys(out.http).length > 0) config.http = out.http as HttpConfig;
  const tls = out.tls as TlsConfig;
  if (certificates.length > 0) tls.certificates = certificates;
  if (Object.keys(tls).length > 0) config.tls = tls;
  return { config, diagnostics };
}
