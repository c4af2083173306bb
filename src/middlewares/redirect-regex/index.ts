import { compileGoRegexp } from "../../router/rule/go-regexp.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { GoReplacer, unknownRefsWarning } from "../replace-path-regex/go-replace.ts";
import { escapeLocation, pathAndQueryOf, rawRedirect, redirectResponse } from "../redirect-scheme/redirect-response.ts";
import { getHeader } from "../raw-view.ts";
import { rawUrlTarget } from "../replace-path/url-target.ts";

// redirectRegex: `regex` (Go syntax) is matched against the full request URL
// as Traefik builds it: scheme://host[:port]/path?query, with the Host header
// as sent and the connection's scheme (X-Forwarded-Proto is not read). When
// it matches and the replacement gives another URL, the client is redirected
// there; otherwise the request goes on unchanged.
registerMiddleware("redirectRegex", (options) => {
  const o = new OptionReader(options);
  const source = o.string("regex", { required: true });
  const replacement = o.string("replacement", { required: true });
  const permanent = o.bool("permanent");
  o.finish();
  let re: RegExp | undefined;
  if (source !== undefined) {
    try {
      re = compileGoRegexp(source);
    } catch (err) {
      o.error("regex", (err as Error).message);
    }
  }
  if (replacement !== undefined && /[\u0000-\u001f\u007f]/.test(replacement)) {
    o.error("replacement", "must not contain control characters (it becomes a Location header)");
  }
  if (o.hasErrors() || !re || replacement === undefined) return { errors: o.problems };
  const replacer = new GoReplacer(re, replacement);
  const unknown = unknownRefsWarning(replacer);
  if (unknown) o.warn("replacement", unknown);
  const pattern = re;
  /** The decision both forms share: the Location for the request's full URL, or null when it goes on. */
  const locationFor = (url: string): string | null => {
    if (!pattern.test(url)) return null;
    const target = replacer.replace(url);
    return target === url ? null : escapeLocation(target);
  };
  return {
    warnings: o.problems,
    middleware: (next) => (req, ctx, conn) => {
      const location = locationFor(`${conn.scheme}://${req.headers.get("host") ?? ctx.host}${pathAndQueryOf(req.url)}`);
      if (location === null) return next(req, ctx, conn);
      return redirectResponse(req, ctx, location, permanent);
    },
    raw: (next) => (ex, ctx, conn, done) => {
      const location = locationFor(`${conn.scheme}://${getHeader(ex.head.headers, "host") ?? ctx.host}${rawUrlTarget(ctx)}`);
      if (location === null) return next(ex, ctx, conn, done);
      rawRedirect(ex, ctx, location, permanent, done);
    },
  };
});
