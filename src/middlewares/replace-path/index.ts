import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { REPLACED_PATH, escapePathChars, hasInvalidEscape, pathRewriteForms } from "./path-rewrite.ts";

// replacePath: every request goes on with `path` (the query is kept); the
// original escaped path travels in X-Replaced-Path. `path` may hold escapes
// ("%2F"); characters a URL path cannot carry ("?", "#", spaces) are escaped
// once, at build time.
registerMiddleware("replacePath", (options) => {
  const o = new OptionReader(options);
  const path = o.string("path", { required: true });
  o.finish();
  if (path !== undefined) {
    // Traefik takes any string and fails each request on a bad escape; a
    // path without "/" gives it a request target no server accepts.
    if (!path.startsWith("/")) o.error("path", `must start with "/", got ${JSON.stringify(path)}`);
    else if (hasInvalidEscape(path)) o.error("path", `has a "%" that is not an escape (%XX): ${JSON.stringify(path)}`);
  }
  if (o.hasErrors() || path === undefined) return { errors: o.problems };
  const target = escapePathChars(path);
  return { warnings: o.problems, ...pathRewriteForms((original) => ({ path: target, header: REPLACED_PATH, value: original })) };
});
