import type { Middleware } from "../server/handler.ts";

// Middlewares register themselves by kind (`stripPrefix`, `headers`, ...).
// A factory validates its options once, at compile time, and returns the
// middleware or the problems it found.

export type MiddlewareBuild = { middleware: Middleware } | { errors: string[] };
export type MiddlewareFactory = (options: unknown, name: string) => MiddlewareBuild;

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
