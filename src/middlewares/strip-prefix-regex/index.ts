import { compileGoRegexp } from "../../router/rule/go-regexp.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { FORWARDED_PREFIX, pathRewriteForms } from "../replace-path/path-rewrite.ts";

// stripPrefixRegex: the first regex (Go syntax) whose first match is a
// non-empty prefix of the path strips that text; X-Forwarded-Prefix carries
// it. As in Traefik the regex is not anchored for you: "/api/v[0-9]+" also
// looks further in the path, but only a match at the start strips anything.
registerMiddleware("stripPrefixRegex", (options) => {
  const o = new OptionReader(options);
  const sources = o.stringList("regex");
  o.finish();
  const regexes: RegExp[] = [];
  sources.forEach((src, i) => {
    try {
      regexes.push(compileGoRegexp(src.trim()));
    } catch (err) {
      o.error(`regex[${i}]`, (err as Error).message);
    }
  });
  if (sources.length === 0 && !o.hasErrors()) o.warn("regex", "no regex: the middleware changes nothing");
  if (o.hasErrors()) return { errors: o.problems };
  return {
    warnings: o.problems,
    ...pathRewriteForms((path) => {
      for (const re of regexes) {
        const m = re.exec(path);
        if (!m || m[0] === "" || !path.startsWith(m[0])) continue;
        return { path: path.slice(m[0].length), header: FORWARDED_PREFIX, value: m[0] };
      }
      return null;
    }),
  };
});
