import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import type { BuiltMiddleware } from "../registry.ts";

// chain: a named list of middlewares applied in order. References resolve
// through the compiler's builder, which reports missing names and cycles.
registerMiddleware("chain", (options, ctx) => {
  const o = new OptionReader(options);
  const names = o.stringList("middlewares", { required: true });
  o.finish();
  const parts: BuiltMiddleware[] = [];
  names.forEach((ref, i) => {
    const mw = ctx.middleware(ref);
    if (typeof mw === "string") o.error(`middlewares[${i}]`, mw);
    else parts.push(mw);
  });
  if (o.hasErrors()) return { errors: o.problems };
  return {
    warnings: o.problems,
    middleware: (next) => parts.reduceRight((h, mw) => mw.middleware(h), next),
    raw: parts.every((p) => p.raw) ? (next) => parts.reduceRight((h, mw) => mw.raw!(h), next) : undefined,
  };
});
