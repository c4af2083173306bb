import { compileGoRegexp } from "../../router/rule/go-regexp.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { REPLACED_PATH, escapePathChars, hasInvalidEscape, pathRewriteForms } from "../replace-path/path-rewrite.ts";
import { GoReplacer, unknownRefsWarning } from "./go-replace.ts";

// replacePathRegex: when `regex` (Go syntax) matches the escaped path, every
// match is replaced with `replacement` ($1, ${1}, $name as in Go) and the
// original path goes to X-Replaced-Path; the query is kept. Otherwise the
// request is untouched.
registerMiddleware("replacePathRegex", (options) => {
  const o = new OptionReader(options);
  const source = o.string("regex", { required: true });
  const replacement = o.string("replacement");
  o.finish();
  let re: RegExp | undefined;
  if (source !== undefined) {
    try {
      re = compileGoRegexp(source.trim());
    } catch (err) {
      o.error("regex", (err as Error).message);
    }
  }
  if (o.hasErrors() || !re) return { errors: o.problems };
  // Traefik reads a missing replacement as "": matches are removed.
  if (replacement === undefined) o.warn("replacement", 'not set: every match is replaced with ""');
  const replacer = new GoReplacer(re, (replacement ?? "").trim());
  const unknown = unknownRefsWarning(replacer);
  if (unknown) o.warn("replacement", unknown);
  const pattern = re;
  return {
    warnings: o.problems,
    ...pathRewriteForms((path) => {
      if (!pattern.test(path)) return null;
      const replaced = escapePathChars(replacer.replace(path));
      // Traefik unescapes the new path and answers 500 when it cannot.
      if (hasInvalidEscape(replaced)) return { error: `replacePathRegex: invalid escape in ${JSON.stringify(replaced)}` };
      return { path: replaced, header: REPLACED_PATH, value: path };
    }),
  };
});
