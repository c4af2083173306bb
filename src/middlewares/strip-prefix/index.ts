import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { FORWARDED_PREFIX, escapePathChars, pathRewriteForms } from "../replace-path/path-rewrite.ts";

// stripPrefix: removes the first listed prefix the path starts with and tells
// the backend what was removed in X-Forwarded-Prefix (added, as Go's
// Header.Add, so two strips give two values). The rest keeps a leading "/".
// `forceSlash` (v2, default true; removed in v3) only differed when the whole
// path was stripped: "" against "/". A request always carries at least "/",
// so both settings behave the same here (Traefik's RequestURI is "/" too).

registerMiddleware("stripPrefix", (options) => {
  const o = new OptionReader(options);
  const raw = o.stringList("prefixes");
  o.bool("forceSlash", true);
  o.finish();
  const prefixes: { header: string; match: string }[] = [];
  raw.forEach((p, i) => {
    const header = p.trim();
    if (header === "") o.error(`prefixes[${i}]`, "must not be empty");
    else if (!header.startsWith("/")) o.warn(`prefixes[${i}]`, `${JSON.stringify(header)} never matches: request paths start with "/"`);
    // Matched against the escaped path, so a space in the config matches "%20".
    else prefixes.push({ header, match: escapePathChars(header) });
  });
  if (raw.length === 0 && !o.hasErrors()) o.warn("prefixes", "no prefixes: the middleware changes nothing");
  if (o.hasErrors()) return { errors: o.problems };
  return {
    warnings: o.problems,
    ...pathRewriteForms((path) => {
      for (const p of prefixes) {
        if (path.startsWith(p.match)) return { path: path.slice(p.match.length), header: FORWARDED_PREFIX, value: p.header };
      }
      return null;
    }),
  };
});
