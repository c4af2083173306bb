import type { Diagnostic } from "../config/diagnostic.ts";
import type { DynamicConfig } from "../config/dynamic/types.ts";
import { middlewareFactory } from "../middlewares/index.ts";
import type { BuiltMiddleware, MiddlewareBuildContext } from "../middlewares/registry.ts";
import type { Handler } from "./handler.ts";

// Builds each middleware of one generation once, by qualified name: options
// are validated once and reported once (at the middleware's own key path),
// however many routers use it. `chain` resolves through the same builder, so
// a cycle is found here and reported instead of recursing forever.

export class MiddlewareBuilder {
  private readonly built = new Map<string, BuiltMiddleware | string>();
  private readonly building: string[] = [];

  constructor(
    private readonly dynamic: DynamicConfig,
    private readonly services: ReadonlyMap<string, { handler: Handler }>,
    private readonly diagnostics: Diagnostic[],
  ) {}

  /** The middleware, or why it cannot be used (already reported as a diagnostic when it is its own fault). */
  get(ref: string, provider = "file"): BuiltMiddleware | string {
    const name = this.resolve(ref, provider);
    if (name === undefined) return `middleware "${ref}" does not exist`;
    const cycleAt = this.building.indexOf(name);
    if (cycleAt >= 0) return `middleware chain cycle: ${[...this.building.slice(cycleAt), name].join(" -> ")}`;
    const cached = this.built.get(name);
    if (cached !== undefined) return cached;
    this.building.push(name);
    try {
      const result = this.build(name);
      this.built.set(name, result);
      return result;
    } finally {
      this.building.pop();
    }
  }

  private resolve(ref: string, provider: string): string | undefined {
    const all = this.dynamic.http?.middlewares ?? {};
    if (ref in all) return ref;
    if (!ref.includes("@") && `${ref}@${provider}` in all) return `${ref}@${provider}`;
    return undefined;
  }

  private build(name: string): BuiltMiddleware | string {
    const def = this.dynamic.http!.middlewares![name];
    const kind = Object.keys(def)[0];
    const factory = kind ? middlewareFactory(kind) : undefined;
    if (!factory) return `middleware "${name}": kind "${kind}" is not implemented yet`;
    const provider = name.includes("@") ? name.slice(name.lastIndexOf("@") + 1) : "file";
    const ctx: MiddlewareBuildContext = {
      name,
      provider,
      middleware: (ref) => this.get(ref, provider),
      service: (ref) => this.services.get(ref)?.handler ?? (ref.includes("@") ? undefined : this.services.get(`${ref}@${provider}`)?.handler),
    };
    const options = def[kind!];
    let result;
    try {
      result = factory(isRecord(options) ? options : {}, ctx);
    } catch (e) {
      result = { errors: [{ path: "", message: `could not be built: ${(e as Error).message}` }] };
    }
    const problems = "errors" in result ? result.errors : (result.warnings ?? []);
    for (const p of problems) {
      const severity = "errors" in result ? (p.severity ?? "error") : "warning";
      this.diagnostics.push({
        severity,
        path: `http.middlewares.${name}.${kind}${p.path ? (p.path.startsWith("[") ? p.path : `.${p.path}`) : ""}`,
        message: `middleware ${name}: ${p.path ? `${p.path}: ` : ""}${p.message}`,
      });
    }
    if ("errors" in result) {
      const errors = result.errors.filter((p) => p.severity !== "warning");
      return `middleware "${name}" is invalid: ${errors.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ")}`;
    }
    return { middleware: result.middleware, raw: result.raw };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
