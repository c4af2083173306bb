import { formatDiagnostic, hasErrors } from "../config/diagnostic.ts";
import { loadStaticConfig } from "../config/static/load.ts";
import type { StaticConfig } from "../config/static/types.ts";

/** Exit code for a static configuration that cannot be used. */
export const EXIT_BAD_STATIC_CONFIG = 2;

/** Loads the static config, printing every diagnostic; null when it has errors. */
export function loadStaticOrReport(args: string[], env: Record<string, string | undefined>): StaticConfig | null {
  const { config, diagnostics } = loadStaticConfig(args, env);
  for (const d of diagnostics) console.error(formatDiagnostic(d));
  return hasErrors(diagnostics) ? null : config;
}
