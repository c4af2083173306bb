import type { EntryPointConfig, StaticConfig } from "../config/static/types.ts";
import type { InternalRouter } from "./compile.ts";
import type { Handler } from "./handler.ts";
import { matchHost } from "./request-target.ts";

// entryPoints.<n>.http.redirections.entryPoint: every request on <n> is
// redirected to another entrypoint (typically web -> websecure), as Traefik
// does with a catch-all router just below its internal ones.

/** Traefik gives the redirection router MaxInt32 - 1 unless a priority is set. */
const REDIRECT_PRIORITY = 2 ** 31 - 2;

export function redirectionRouters(config: StaticConfig): { routers: InternalRouter[]; errors: string[] } {
  const routers: InternalRouter[] = [];
  const errors: string[] = [];
  for (const [name, ep] of Object.entries(config.entryPoints)) {
    const r = ep.http.redirections?.entryPoint;
    if (!r) continue;
    const port = targetPort(r.to, config.entryPoints);
    if (port === null) {
      errors.push(`entryPoints.${name}.http.redirections.entryPoint.to: "${r.to}" is neither an entrypoint nor a port`);
      continue;
    }
    routers.push({
      name: `redirect-${name}-to-${r.to.replace(/^:/, "")}@internal`,
      entryPoint: name,
      rule: "PathPrefix(`/`)",
      priority: r.priority ?? REDIRECT_PRIORITY,
      handler: redirectHandler(r.scheme || "https", port, r.permanent),
    });
  }
  return { routers, errors };
}

function targetPort(to: string, entryPoints: Record<string, EntryPointConfig>): number | null {
  const ep = entryPoints[to];
  if (ep) return ep.port;
  const m = /^:?(\d{1,5})$/.exec(to);
  return m ? Number(m[1]) : null;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

export function redirectHandler(scheme: string, port: number, permanent: boolean): Handler {
  const portSuffix = DEFAULT_PORTS[scheme] === port ? "" : `:${port}`;
  return (req, ctx) => {
    const rawHost = matchHost(ctx.host);
    const host = rawHost.includes(":") ? `[${rawHost}]` : rawHost;
    const location = `${scheme}://${host}${portSuffix}${ctx.path}`;
    // Keep the method for non-GET requests (307/308), as Traefik's redirectScheme.
    const keepsMethod = req.method !== "GET" && req.method !== "HEAD";
    const status = permanent ? (keepsMethod ? 308 : 301) : keepsMethod ? 307 : 302;
    ctx.downstreamStatus = status;
    return new Response(null, { status, headers: { location } });
  };
}
