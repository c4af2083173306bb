import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { escapePathChars, pathRewriteForms } from "../replace-path/path-rewrite.ts";

// addPrefix: prepends `prefix` to the request path before it goes on. The
// prefix is escaped once, at build time, so a "#" or "?" in it stays part of
// the path (as in Traefik) instead of starting a fragment or a query.
registerMiddleware("addPrefix", (options) => {
  const o = new OptionReader(options);
  const prefix = o.string("prefix", { required: true });
  o.finish();
  if (o.hasErrors() || prefix === undefined) return { errors: o.problems };
  if (!prefix.startsWith("/")) o.error("prefix", `must start with "/", got ${JSON.stringify(prefix)}`);
  if (o.hasErrors()) return { errors: o.problems };
  const escaped = escapePathChars(prefix);
  return { warnings: o.problems, ...pathRewriteForms((path) => ({ path: escaped + path })) };
});
