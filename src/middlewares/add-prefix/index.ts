import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { withPath } from "../request-rewrite.ts";

// addPrefix: prepends `prefix` to the request path before it goes on.
registerMiddleware("addPrefix", (options) => {
  const o = new OptionReader(options);
  const prefix = o.string("prefix", { required: true });
  o.finish();
  if (o.hasErrors() || prefix === undefined) return { errors: o.problems };
  if (!prefix.startsWith("/")) o.error("prefix", `must start with "/", got ${JSON.stringify(prefix)}`);
  if (o.hasErrors()) return { errors: o.problems };
  return {
    warnings: o.problems,
    middleware: (next) => (req, ctx, conn) => {
      const url = new URL(req.url);
      return next(withPath(req, prefix + url.pathname, url.search), ctx, conn);
    },
  };
});
