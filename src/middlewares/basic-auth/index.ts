import type { ConnInfo } from "../../server/handler.ts";
import type { RawExchange } from "../../server/raw/connection.ts";
import type { RequestContext } from "../../server/request-context.ts";
import { readHtpasswd } from "../auth/htpasswd.ts";
import { afterLogin, afterLoginRaw, DEFAULT_REALM, quoted, unauthorized, unauthorizedRaw } from "../auth/challenge.ts";
import { OptionReader } from "../options.ts";
import { getHeader } from "../raw-view.ts";
import { registerMiddleware } from "../registry.ts";
import { resumeRaw } from "../source/resume-raw.ts";
import { BasicLogins, type BasicVerdict } from "./basic-logins.ts";

export { parseBasic } from "./basic-logins.ts";

// basicAuth: RFC 7617 credentials checked against htpasswd users. The user
// name goes to the access log (ClientUsername) on success and, as Traefik
// does, also on a failed attempt. Both forms share one BasicLogins, so a
// login checked by either is remembered for both.

registerMiddleware("basicAuth", (options) => {
  const o = new OptionReader(options);
  const users = readHtpasswd(o);
  const realm = o.string("realm") || DEFAULT_REALM;
  const headerField = o.string("headerField") || undefined;
  const removeHeader = o.bool("removeHeader");
  o.finish();
  if (o.hasErrors()) return { errors: o.problems };
  const challenge = `Basic realm=${quoted(realm)}`;
  const logins = new BasicLogins(users);

  return {
    warnings: o.problems,
    middleware: (next) => async (req, ctx, conn) => {
      const pending = logins.check(req.headers.get("authorization"));
      const verdict = pending instanceof Promise ? await pending : pending;
      if (verdict.user !== undefined) ctx.clientUsername = verdict.user;
      if (!verdict.ok) return unauthorized(challenge);
      return next(afterLogin(req, verdict.user!, headerField, removeHeader), ctx, conn);
    },
    raw: (next) => {
      // Built once per router, not per request: the known-login path allocates nothing.
      const go = (verdict: BasicVerdict, ex: RawExchange, ctx: RequestContext, conn: ConnInfo, done: () => void): void => {
        if (verdict.user !== undefined) ctx.clientUsername = verdict.user;
        if (!verdict.ok) return unauthorizedRaw(ex, ctx, challenge, done);
        afterLoginRaw(ex.head.headers, verdict.user!, headerField, removeHeader);
        next(ex, ctx, conn, done);
      };
      return (ex, ctx, conn, done) => {
        const pending = logins.check(getHeader(ex.head.headers, "authorization"));
        if (!(pending instanceof Promise)) return go(pending, ex, ctx, conn, done);
        pending.then(
          (verdict) => resumeRaw(ex, ctx, done, () => go(verdict, ex, ctx, conn, done)),
          (err: unknown) =>
            resumeRaw(ex, ctx, done, () => {
              throw err;
            }),
        );
      };
    },
  };
});
