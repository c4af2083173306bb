// Builds a MatchInput for tests from plain fields.
import type { MatchInput } from "./ast.ts";

export interface InputFields {
  host?: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  query?: string;
  clientIP?: string;
}

export function input(f: InputFields = {}): MatchInput {
  const headers = new Headers(f.headers ?? {});
  return {
    host: f.host ?? "example.com",
    path: f.path ?? "/",
    method: f.method ?? "GET",
    header: (name) => headers.get(name),
    query: f.query ?? "",
    clientIP: f.clientIP ?? "10.0.0.1",
  };
}
