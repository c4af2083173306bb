import type { Diagnostic } from "../config/diagnostic.ts";
import type { HttpConfig, ServiceConfig } from "../config/dynamic/types.ts";
import type { GlobalServersTransport } from "../config/static/types.ts";
import { FailoverService } from "./failover-service.ts";
import { LoadBalancerService, type LoadBalancerOptions, type ServiceHooks } from "./load-balancer-service.ts";
import { MirroringService } from "./mirroring-service.ts";
import type { Service } from "./service.ts";
import type { ForwardOptions } from "./proxy.ts";
import { resolveTransport, type ResolvedTransport } from "./transport.ts";
import type { RawUpstream } from "./upstream/raw-types.ts";
import type { UpstreamClient } from "./upstream/types.ts";
import { WeightedService } from "./weighted-service.ts";

export type ClientFactory = (transport: ResolvedTransport) => UpstreamClient;
export type RawUpstreamFactory = (transport: ResolvedTransport) => RawUpstream;

export interface BuiltServices {
  services: Map<string, Service>;
  diagnostics: Diagnostic[];
  /** Call after the new generation is live: stops what the old one used and the new one does not. */
  retire(): void;
}

interface Entry {
  /** Identity of the definition, children's included: same key, same behaviour. */
  key: string;
  service: Service;
}

/** One build: resolves references between services, in any order, once each. */
interface BuildPass {
  http: HttpConfig;
  global: GlobalServersTransport;
  diagnostics: Diagnostic[];
  done: Map<string, Entry | null>;
  building: Set<string>;
  /** Resolved once per serversTransport name (undefined: the global one), shared by its services. */
  transports: Map<string | undefined, ReturnType<typeof resolveTransport>>;
  /** One URL object per server URL string, shared by every service that lists it. */
  urls: Map<string, URL>;
}

/**
 * Compiles services and keeps them across generations: a service whose
 * definition (and whose children's) did not change is reused as is, so its
 * health state, balancer position and connection pool survive a reload of
 * unrelated config. weighted, mirroring and failover wrap other services by
 * name; a reference to a missing, broken or cyclic service disables the parent.
 */
export class ServiceRegistry {
  private live = new Map<string, Entry>();
  private clients = new Map<string, UpstreamClient>();
  private rawClients = new Map<string, RawUpstream>();
  /** Forwarding options by transport key and passHostHeader: identical for many services, so shared. */
  private forwards = new Map<string, ForwardOptions>();
  /** A short id per transport key, for service keys (the transport key itself is ~100 characters). */
  private transportIds = new Map<string, number>();
  /** Set when an entrypoint uses the raw front: services then get a raw fast path. */
  makeRawUpstream?: RawUpstreamFactory;

  constructor(
    private readonly makeClient: ClientFactory,
    private readonly hooks: ServiceHooks,
    private readonly proxyHostname: string,
  ) {}

  build(http: HttpConfig, global: GlobalServersTransport): BuiltServices {
    const pass: BuildPass = { http, global, diagnostics: [], done: new Map(), building: new Set(), transports: new Map(), urls: new Map() };
    for (const name of Object.keys(http.services ?? {})) this.resolve(pass, name);
    const next = new Map<string, Entry>();
    for (const [name, entry] of pass.done) if (entry) next.set(name, entry);
    const previous = this.live;
    this.live = next;
    const services = new Map([...next].map(([n, v]) => [n, v.service]));
    return {
      services,
      diagnostics: pass.diagnostics,
      retire: () => {
        for (const [name, entry] of previous) if (next.get(name) !== entry) entry.service.dispose();
      },
    };
  }

  private resolve(pass: BuildPass, name: string): Entry | null {
    const known = pass.done.get(name);
    if (known !== undefined) return known;
    const path = `http.services.${name}`;
    if (pass.building.has(name)) {
      pass.diagnostics.push({ severity: "error", path, message: `service "${name}" refers back to itself (${[...pass.building, name].join(" → ")})` });
      return null;
    }
    pass.building.add(name);
    let entry: Entry | null = null;
    try {
      entry = this.buildOne(pass, name, pass.http.services![name], path);
    } catch (e) {
      pass.diagnostics.push({ severity: "error", path, message: (e as Error).message });
    }
    pass.building.delete(name);
    pass.done.set(name, entry);
    return entry;
  }

  /** A child by name, or null with a diagnostic on the parent. */
  private child(pass: BuildPass, parentPath: string, ref: string): Entry | null {
    if (!pass.http.services?.[ref]) {
      pass.diagnostics.push({ severity: "error", path: parentPath, message: `service "${ref}" does not exist` });
      return null;
    }
    if (pass.building.has(ref)) {
      pass.diagnostics.push({ severity: "error", path: parentPath, message: `service "${ref}" refers back to itself (${[...pass.building, ref].join(" → ")})` });
      return null;
    }
    const entry = this.resolve(pass, ref);
    if (!entry) pass.diagnostics.push({ severity: "error", path: parentPath, message: `service "${ref}" is disabled by its own errors` });
    return entry;
  }

  /** Reuses the live service when its key is unchanged, else makes a new one. */
  private reuse(name: string, key: string, make: () => Service): Entry {
    const prior = this.live.get(name);
    if (prior && prior.key === key) return prior;
    return { key, service: make() };
  }

  private buildOne(pass: BuildPass, name: string, cfg: ServiceConfig, path: string): Entry | null {
    const warn = (p: string, message: string) => pass.diagnostics.push({ severity: "warning", path: p, message });
    const fail = (p: string, message: string) => {
      pass.diagnostics.push({ severity: "error", path: p, message });
      return null;
    };
    if (cfg.loadBalancer) return this.buildLoadBalancer(pass, name, cfg.loadBalancer as LoadBalancerOptions, path);

    if (cfg.weighted) {
      const w = cfg.weighted;
      const p = `${path}.weighted`;
      const children = w.services.map((c) => ({ entry: this.child(pass, p, c.name), name: c.name, weight: c.weight ?? 1 }));
      if (children.some((c) => !c.entry)) return null;
      const follow = w.healthCheck !== undefined;
      if (follow) {
        for (const c of children) if (!c.entry!.service.reportsHealth) warn(`${p}.healthCheck`, healthless(c.name, "it is treated as always up"));
      }
      const key = JSON.stringify(["weighted", w, children.map((c) => c.entry!.key)]);
      return this.reuse(name, key, () =>
        new WeightedService(name, children.map((c) => ({ service: c.entry!.service, weight: c.weight })), { sticky: w.sticky?.cookie, followHealth: follow }),
      );
    }

    if (cfg.mirroring) {
      const m = cfg.mirroring;
      const p = `${path}.mirroring`;
      const main = this.child(pass, p, m.service);
      const mirrors = (m.mirrors ?? []).map((x, i) => ({ entry: this.child(pass, `${p}.mirrors[${i}]`, x.name), percent: x.percent ?? 0, i }));
      if (!main || mirrors.some((x) => !x.entry)) return null;
      for (const x of mirrors) {
        if (!Number.isInteger(x.percent) || x.percent < 0 || x.percent > 100) return fail(`${p}.mirrors[${x.i}].percent`, "percent must be between 0 and 100");
        if (x.percent === 0) warn(`${p}.mirrors[${x.i}].percent`, "percent is 0 (the default): this mirror receives no traffic");
      }
      const follow = m.healthCheck !== undefined;
      if (follow && !main.service.reportsHealth) warn(`${p}.healthCheck`, healthless(m.service, "the mirroring service is treated as always up"));
      const key = JSON.stringify(["mirroring", m, main.key, mirrors.map((x) => x.entry!.key)]);
      return this.reuse(name, key, () =>
        new MirroringService(
          name,
          main.service,
          mirrors.map((x) => ({ service: x.entry!.service, percent: x.percent })),
          { maxBodySize: m.maxBodySize ?? -1, mirrorBody: m.mirrorBody ?? true, followHealth: follow },
        ),
      );
    }

    if (cfg.failover) {
      const f = cfg.failover;
      const p = `${path}.failover`;
      const main = this.child(pass, p, f.service);
      const fallback = this.child(pass, p, f.fallback);
      if (!main || !fallback) return null;
      if (!main.service.reportsHealth) warn(p, healthless(f.service, "failover never switches to the fallback"));
      const follow = f.healthCheck !== undefined;
      if (follow && !fallback.service.reportsHealth) warn(`${p}.healthCheck`, healthless(f.fallback, "the fallback is treated as always up"));
      const key = JSON.stringify(["failover", f, main.key, fallback.key]);
      return this.reuse(name, key, () => new FailoverService(name, main.service, fallback.service, follow));
    }

    const kind = Object.keys(cfg)[0] ?? "(empty)";
    return fail(path, `service kind "${kind}" is not supported`);
  }

  private buildLoadBalancer(pass: BuildPass, name: string, lb: LoadBalancerOptions, path: string): Entry | null {
    const p = `${path}.loadBalancer`;
    if (lb.strategy && lb.strategy !== "wrr" && lb.strategy !== "p2c" && lb.strategy !== "leasttime") {
      pass.diagnostics.push({ severity: "warning", path: `${p}.strategy`, message: `strategy "${lb.strategy}" is not implemented; using wrr` });
    }
    const transportName = lb.serversTransport;
    const dynamicTransport = transportName ? pass.http.serversTransports?.[transportName] : undefined;
    if (transportName && !dynamicTransport) {
      pass.diagnostics.push({ severity: "error", path: `${p}.serversTransport`, message: `serversTransport "${transportName}" does not exist` });
      return null;
    }
    let resolved = pass.transports.get(transportName);
    if (!resolved) {
      resolved = resolveTransport(pass.global, dynamicTransport);
      pass.transports.set(transportName, resolved);
    }
    const { transport, errors, warnings } = resolved;
    for (const message of errors) pass.diagnostics.push({ severity: "error", path, message });
    for (const message of warnings) pass.diagnostics.push({ severity: "warning", path, message });
    const key = JSON.stringify([this.transportId(transport.key), lb]);
    const entry = this.reuse(name, key, () =>
      new LoadBalancerService(name, lb, this.forwardFor(transport, lb.passHostHeader ?? true), this.hooks, (url) => sharedUrl(pass.urls, url)),
    );
    if (entry.service instanceof LoadBalancerService) {
      for (const message of entry.service.warnings) pass.diagnostics.push({ severity: "warning", path: p, message });
    }
    return entry;
  }

  private transportId(transportKey: string): number {
    let id = this.transportIds.get(transportKey);
    if (id === undefined) {
      id = this.transportIds.size;
      this.transportIds.set(transportKey, id);
    }
    return id;
  }

  private forwardFor(transport: ResolvedTransport, passHostHeader: boolean): ForwardOptions {
    const key = `${passHostHeader}|${transport.key}`;
    let forward = this.forwards.get(key);
    if (!forward) {
      forward = {
        client: this.clientFor(transport),
        raw: this.rawFor(transport),
        passHostHeader,
        timeouts: transport.timeouts,
        tls: transport.tls,
        proxyHostname: this.proxyHostname,
      };
      this.forwards.set(key, forward);
    }
    return forward;
  }

  private clientFor(transport: ResolvedTransport): UpstreamClient {
    let client = this.clients.get(transport.key);
    if (!client) {
      client = this.makeClient(transport);
      this.clients.set(transport.key, client);
    }
    return client;
  }

  private rawFor(transport: ResolvedTransport): RawUpstream | undefined {
    if (!this.makeRawUpstream) return undefined;
    let client = this.rawClients.get(transport.key);
    if (!client) {
      client = this.makeRawUpstream(transport);
      this.rawClients.set(transport.key, client);
    }
    return client;
  }

  close(): void {
    for (const c of this.rawClients.values()) c.close();
    this.rawClients.clear();
    for (const { service } of this.live.values()) service.dispose();
    for (const c of this.clients.values()) c.close();
    this.live.clear();
    this.clients.clear();
    this.forwards.clear();
  }
}

function sharedUrl(urls: Map<string, URL>, url: string): URL {
  let u = urls.get(url);
  if (!u) {
    u = new URL(url);
    urls.set(url, u);
  }
  return u;
}

function healthless(child: string, consequence: string): string {
  return `service "${child}" has no health check (healthCheck, passiveHealthCheck or healthCheck: {}), so its health is not followed: ${consequence}`;
}
