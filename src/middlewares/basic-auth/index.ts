import { readHtpasswd } from "../auth/htpasswd.ts";
import { afterLogin, DEFAULT_REALM, quoted, unauthorized } from "../auth/challenge.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";

// basicAuth: RFC 7617 credentials checked against htpasswd users. The user
// name goes to the access log (ClientUsername) on success and, as Traefik
// does, also on a failed attempt.

/** The user and password of a `Basic` Authorization header, or null. */
export function parseBasic(header: string | null): { user: string; password: string } | null {
  if (!header || header.length < 6 || header.slice(0, 6).toLowerCase() !== "basic ") return null;
  const b64 = header.slice(6).trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return null;
  const decoded = Buffer.from(b64, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

registerMiddleware("basicAuth", (options) => {
  const o = new OptionReader(options);
  const users = readHtpasswd(o);
  const realm = o.string("realm") || DEFAULT_REALM;
  const headerField = o.string("headerField") || undefined;
  const removeHeader = o.bool("removeHeader");
  o.finish();
  if (o.hasErrors()) return { errors: o.problems };
  const challenge = `Basic realm=${quoted(realm)}`;
  return {
    warnings: o.problems,
    middleware: (next) => async (req, ctx, conn) => {
      const creds = parseBasic(req.headers.get("authorization"));
      if (creds) ctx.clientUsername = creds.user;
      if (!creds || !(await users.verify(creds.user, creds.password))) {
        return unauthorized(challenge);
      }
      return next(afterLogin(req, creds.user, headerField, removeHeader), ctx, conn);
    },
  };
});
