// One problem found in configuration. Every layer (static, dynamic, rules,
// compile) reports in this shape so `sluice check`, logs and the API agree.
export type Severity = "error" | "warning";

export interface Diagnostic {
  severity: Severity;
  message: string;
  /** Source file, when the problem came from one. */
  file?: string;
  /** 1-based line and column in `file`. */
  line?: number;
  column?: number;
  /** Dotted key path, e.g. `http.routers.api.rule`. */
  path?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}:${d.column ?? 1}` : ""}: ` : "";
  const key = d.path ? ` (at ${d.path})` : "";
  return `${where}${d.severity}: ${d.message}${key}`;
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === "error");
}
