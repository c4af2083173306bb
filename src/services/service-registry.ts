import type { Diagnostic } from "../config/diagnostic.ts";
import type { HttpConfig, LoadBalancerConfig } from "../config/dynamic/types.ts";
import type { GlobalServersTransport } from "../config/static/types.ts";
import { LoadBalancerService, type ServiceHooks } from "./load-balancer-service.ts";
import { resolveTransport, type ResolvedTransport } from "./transport.ts";
import type { RawUpstream } from "./upstream/raw-types.ts";
import type { UpstreamClient } from "./upstream/types.ts";

export type ClientFactory = (transport: ResolvedTransport) => UpstreamClient;
export type RawUpstreamFactory = (transport: ResolvedTransport) => RawUpstream;

export interface BuiltServices {
  services: Map<string, LoadBalancerService>;
  diagnostics: Diagnostic[];
  /** Call after the new generation is live: stops what the old one used and the new one does not. */
  retire(): void;
}

/**
 * Compiles services and keeps them across generations: a service whose
 * definition did not change is reused as is, so its health state, balancer
 * position and connection pool survive a reload of unrelated config.
 */
export class ServiceRegistry {
  private live = new Map<string, { key: string; service: LoadBalancerService }>();
  private clients = new Map<string, UpstreamClient>();
  private rawClients = new Map<string, RawUpstream>();
  /** Set when an entrypoint uses the raw front: services then get a raw fast path. */
  makeRawUpstream?: RawUpstreamFactory;

  constructor(
    private readonly makeClient: ClientFactory,
    private readonly hooks: ServiceHooks,
    private readonly proxyHostname: string,
  ) {}

  build(http: HttpConfig, global: GlobalServersTransport): BuiltServices {
    const diagnostics: Diagnostic[] = [];
    const next = new Map<string, { key: string; service: LoadBalancerService }>();
    for (const [name, cfg] of Object.entries(http.services ?? {})) {
      const path = `http.services.${name}`;
      if (!cfg.loadBalancer) {
        const kind = Object.keys(cfg)[0] ?? "(empty)";
        diagnostics.push({ severity: "error", path, message: `service kind "${kind}" is not supported yet (only loadBalancer)` });
        continue;
      }
      const lb = cfg.loadBalancer;
      for (const message of unsupportedOptions(lb)) diagnostics.push({ severity: "warning", path: `${path}.loadBalancer`, message });
      const transportName = lb.serversTransport;
      const dynamicTransport = transportName ? http.serversTransports?.[transportName] : undefined;
      if (transportName && !dynamicTransport) {
        diagnostics.push({ severity: "error", path: `${path}.loadBalancer.serversTransport`, message: `serversTransport "${transportName}" does not exist` });
        continue;
      }
      const { transport, errors } = resolveTransport(global, dynamicTransport);
      for (const message of errors) diagnostics.push({ severity: "error", path, message });
      const key = JSON.stringify([lb, transport.key]);
      const prior = this.live.get(name);
      if (prior && prior.key === key) {
        next.set(name, prior);
        continue;
      }
      try {
        const service = new LoadBalancerService(
          name,
          lb,
          {
            client: this.clientFor(transport),
            raw: this.rawFor(transport),
            passHostHeader: lb.passHostHeader ?? true,
            timeouts: transport.timeouts,
            tls: transport.tls,
            proxyHostname: this.proxyHostname,
          },
          this.hooks,
        );
        next.set(name, { key, service });
      } catch (e) {
        diagnostics.push({ severity: "error", path, message: (e as Error).message });
      }
    }
    const previous = this.live;
    this.live = next;
    const services = new Map([...next].map(([n, v]) => [n, v.service]));
    return {
      services,
      diagnostics,
      retire: () => {
        for (const [name, entry] of previous) if (next.get(name) !== entry) entry.service.dispose();
      },
    };
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
  }
}

/** Load balancer options accepted by the schema that Sluice does not act on yet. */
function unsupportedOptions(lb: LoadBalancerConfig): string[] {
  const out: string[] = [];
  if (lb.sticky) out.push("sticky sessions are not implemented yet; requests are balanced without them");
  if (lb.strategy && lb.strategy !== "wrr" && lb.strategy !== "p2c") {
    out.push(`strategy "${lb.strategy}" is not implemented yet; using wrr`);
  }
  return out;
}
