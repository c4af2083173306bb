import type { DynamicConfig, RouterConfig, RouterTlsConfig } from "../config/dynamic/types.ts";
import type { StaticConfig } from "../config/static/types.ts";
import { hostIndexKeys, parseRule } from "../router/rule/index.ts";
import type { TlsRouterInfo } from "../tls/listener-spec.ts";

// Which entrypoints serve TLS and for which routers, as Traefik decides it:
// a router with `tls` (or on an entrypoint with `http.tls`) is served only
// over TLS; one without, only over plain HTTP. Sluice serves one kind per
// port, so an entrypoint with any TLS router is a TLS entrypoint.

export interface DomainSet {
  main: string;
  sans: string[];
}

export interface CertificateWant {
  resolver: string;
  domains: DomainSet;
  router: string;
}

export interface TlsPlan {
  entryPoints: Map<string, { routers: TlsRouterInfo[]; options?: string }>;
  wanted: CertificateWant[];
}

/** The TLS settings that apply to `router` on `ep`, if it is a TLS router there. */
export function routerTlsOn(router: RouterConfig, ep: string, config: StaticConfig): RouterTlsConfig | undefined {
  return router.tls ?? config.entryPoints[ep]?.http.tls;
}

export function planTls(dynamic: DynamicConfig, config: StaticConfig, defaultEntryPoints: string[]): TlsPlan {
  const entryPoints = new Map<string, { routers: TlsRouterInfo[]; options?: string }>();
  for (const [ep, epConfig] of Object.entries(config.entryPoints)) {
    if (epConfig.http.tls) entryPoints.set(ep, { routers: [], options: epConfig.http.tls.options });
  }
  const wanted: CertificateWant[] = [];
  const seenWants = new Set<string>();
  for (const [name, router] of Object.entries(dynamic.http?.routers ?? {})) {
    const hosts = ruleHosts(router, config);
    for (const ep of router.entryPoints ?? defaultEntryPoints) {
      if (!(ep in config.entryPoints)) continue;
      const tls = routerTlsOn(router, ep, config);
      if (!tls) continue;
      if (!entryPoints.has(ep)) entryPoints.set(ep, { routers: [] });
      entryPoints.get(ep)!.routers.push({ router: name, hosts, options: tls.options });
      if (!tls.certResolver) continue;
      for (const domains of domainSets(tls, hosts)) {
        const key = `${tls.certResolver}|${domains.main}|${domains.sans.join(",")}`;
        if (seenWants.has(key)) continue;
        seenWants.add(key);
        wanted.push({ resolver: tls.certResolver, domains, router: name });
      }
    }
  }
  return { entryPoints, wanted };
}

/** tls.domains when given, otherwise the rule's Host names (first = main), as Traefik does. */
function domainSets(tls: RouterTlsConfig, hosts: string[]): DomainSet[] {
  if (tls.domains && tls.domains.length > 0) {
    return tls.domains.map((d) => ({ main: d.main.toLowerCase(), sans: (d.sans ?? []).map((s) => s.toLowerCase()) }));
  }
  return hosts.length > 0 ? [{ main: hosts[0], sans: hosts.slice(1) }] : [];
}

function ruleHosts(router: RouterConfig, config: StaticConfig): string[] {
  const parsed = parseRule(router.rule, router.ruleSyntax ?? config.core.defaultRuleSyntax);
  if (!parsed.ok) return [];
  const keys = hostIndexKeys(parsed.ast) ?? [];
  return keys.flatMap((k) => (k.kind === "exact" ? [k.host.toLowerCase()] : []));
}
