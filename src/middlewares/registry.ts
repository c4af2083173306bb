import type { Handler, Middleware, RawMiddleware } from "../server/handler.ts";

// Middlewares register themselves by kind (`stripPrefix`, `headers`, ...).
// A factory validates its options once, at compile time, and returns the
// middleware or the problems it found. Problems carry a key path relative to
// the kind's options (`prefixes[1]`, `forwardAuth.tls.caFile`) so the
// compiler can point at file:line:col.

export interface OptionProblem {
  /** Relative to the kind's options; "" means the options as a whole. */
  path: string;
  message: string;
  severity?: "error" | "warning";
}

export interface MiddlewareBuildContext {
  /** Qualified name of the middleware being built (`auth@file`). */
  name: string;
  /** Provider of the middleware, for resolving unqualified references. */
  provider: string;
  /** Another middleware by (possibly unqualified) name, for `chain`. A cycle or missing name is a string. */
  middleware(ref: string): BuiltMiddleware | string;
  /** A compiled service handler by (possibly unqualified) name, for `errors`. */
  service(ref: string): Handler | undefined;
}

/**
 * `raw` is the same middleware for the raw HTTP/1.1 front (see RawMiddleware):
 * optional, but a route keeps the fast path only when every middleware of its
 * chain has one. It must behave exactly like `middleware`.
 */
export type MiddlewareBuild =
  | { middleware: Middleware; raw?: RawMiddleware; warnings?: OptionProblem[] }
  | { errors: OptionProblem[] };

export interface BuiltMiddleware {
  middleware: Middleware;
  raw?: RawMiddleware;
}

export type MiddlewareFactory = (options: Record<string, unknown>, ctx: MiddlewareBuildContext) => MiddlewareBuild;

const factories = new Map<string, MiddlewareFactory>();

export function registerMiddleware(kind: string, factory: MiddlewareFactory): void {
  factories.set(kind, factory);
}

export function middlewareFactory(kind: string): MiddlewareFactory | undefined {
  return factories.get(kind);
}

export function registeredKinds(): string[] {
  return [...factories.keys()].sort();
}
