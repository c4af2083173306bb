import { createHash } from "node:crypto";
import { afterLogin, afterLoginRaw, DEFAULT_REALM, quoted, unauthorized, unauthorizedRaw } from "../auth/challenge.ts";
import { readUserLines } from "../auth/users-source.ts";
import { OptionReader } from "../options.ts";
import { getHeader } from "../raw-view.ts";
import { registerMiddleware } from "../registry.ts";
import { expectedResponse, NonceSigner, parseDigestParams, sameHex } from "./digest.ts";

// digestAuth: htdigest users ("user:realm:md5(user:realm:password)"), MD5 with
// qop=auth. A user's line must carry the middleware's realm, as in Traefik.

/** How long an issued nonce is accepted (Apache's AuthDigestNonceLifetime default). */
export const NONCE_LIFETIME_MS = 300_000;

registerMiddleware("digestAuth", (options, build) => {
  const o = new OptionReader(options);
  const users = new Map<string, string>();
  for (const line of readUserLines(o)) {
    const parts = line.text.split(":");
    if (parts.length !== 3 || parts[0] === "") {
      o.error(line.path, `${line.where}: expected "user:realm:hash"`);
      continue;
    }
    if (!/^[0-9a-fA-F]{32}$/.test(parts[2])) {
      o.warn(line.path, `${line.where}: the hash of user ${JSON.stringify(parts[0])} is not an htdigest MD5 (32 hex digits); this user cannot log in`);
      users.delete(`${parts[0]}:${parts[1]}`);
      continue;
    }
    users.set(`${parts[0]}:${parts[1]}`, parts[2].toLowerCase());
  }
  const realm = o.string("realm") || DEFAULT_REALM;
  const headerField = o.string("headerField") || undefined;
  const removeHeader = o.bool("removeHeader");
  o.finish();
  if (o.hasErrors()) return { errors: o.problems };

  // The key comes from the middleware's own secrets, so every worker and
  // replica with this config accepts the others' nonces. Knowing it lets one
  // mint nonces, which is of no use without a user's HA1.
  const key = createHash("sha256").update(`sluice digest\0${build.name}\0${realm}\0`);
  for (const [id, ha1] of [...users].sort()) key.update(`${id}:${ha1}\n`);
  const secret = key.digest();
  const signer = new NonceSigner(secret, NONCE_LIFETIME_MS);
  const opaque = createHash("sha256").update(secret).update("opaque").digest("hex").slice(0, 32);
  const challenge = (stale: boolean) =>
    `Digest realm=${quoted(realm)}, nonce="${signer.issue()}", opaque="${opaque}", algorithm=MD5, qop="auth"${stale ? ", stale=true" : ""}`;

  /** The user to log (also on a failed attempt, as Traefik) and the verdict; the same for both forms. */
  const decide = (header: string | null, method: string, sentTarget: string, currentTarget: () => string) => {
    const p = parseDigestParams(header);
    const user = p?.get("username") || undefined;
    const verdict = p && user !== undefined ? check(p, user, method, sentTarget, currentTarget) : "invalid";
    return { user, verdict };
  };

  return {
    warnings: o.problems,
    middleware: (next) => (req, ctx, conn) => {
      const { user, verdict } = decide(req.headers.get("authorization"), req.method, ctx.path, () => {
        const url = new URL(req.url);
        return url.pathname + url.search;
      });
      if (user) ctx.clientUsername = user;
      if (verdict !== "valid") return unauthorized(challenge(verdict === "expired"));
      return next(afterLogin(req, user!, headerField, removeHeader), ctx, conn);
    },
    raw: (next) => (ex, ctx, conn, done) => {
      const { user, verdict } = decide(getHeader(ex.head.headers, "authorization"), ex.head.method, ctx.path, () => ctx.forwardPath ?? ctx.path);
      if (user) ctx.clientUsername = user;
      if (verdict !== "valid") return unauthorizedRaw(ex, ctx, challenge(verdict === "expired"), done);
      afterLoginRaw(ex.head.headers, user!, headerField, removeHeader);
      next(ex, ctx, conn, done);
    },
  };

  function check(p: Map<string, string>, user: string, method: string, sentTarget: string, currentTarget: () => string): "valid" | "expired" | "invalid" {
    const algorithm = p.get("algorithm") ?? "MD5"; // some clients omit it
    if (algorithm.toUpperCase() !== "MD5" || p.get("qop") !== "auth" || p.get("opaque") !== opaque) return "invalid";
    const uri = p.get("uri");
    const nonce = p.get("nonce");
    const nc = p.get("nc") ?? "";
    const response = p.get("response");
    const ha1 = users.get(`${user}:${realm}`);
    if (!uri || !nonce || !response || !ha1 || !/^[0-9a-fA-F]{1,8}$/.test(nc)) return "invalid";
    if (!uriMatches(uri, sentTarget, currentTarget)) return "invalid";
    const want = expectedResponse({ ha1, method, uri, nonce, nc, cnonce: p.get("cnonce") ?? "", qop: "auth" });
    if (!sameHex(want, response)) return "invalid";
    // A correct answer to an expired nonce: stale=true lets the client retry silently.
    return signer.check(nonce);
  }
});

/**
 * The digest's uri must name this request: the target as the client sent it,
 * or as rewritten by earlier middlewares. go-http-auth also accepts a prefix
 * of the path; Sluice does not track nonce counts, so it stays strict to keep
 * a replayed answer bound to the one request it was made for.
 */
function uriMatches(uri: string, sentTarget: string, currentTarget: () => string): boolean {
  return uri === sentTarget || uri === currentTarget();
}
