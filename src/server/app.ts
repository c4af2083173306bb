import { hostname } from "node:os";
import { pingHandler } from "../api/ping.ts";
import type { Handler, RawRouteHandler } from "./handler.ts";
import { formatDiagnostic, type Diagnostic } from "../config/diagnostic.ts";
import type { DynamicConfig } from "../config/dynamic/types.ts";
import type { StaticConfig } from "../config/static/types.ts";
import { AccessLog } from "../observability/access-log.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { ScalarSeries } from "../observability/metric-families.ts";
import { FileProvider } from "../providers/file/index.ts";
import { ConfigWatcher } from "../providers/watcher.ts";
import { locateDiagnostics } from "../config/dynamic/locate.ts";
import { ServiceRegistry, type ClientFactory, type RawUpstreamFactory } from "../services/service-registry.ts";
import { LoadBalancerService } from "../services/load-balancer-service.ts";
import type { Service } from "../services/service.ts";
import { RawEntryPoint } from "./raw-entrypoint.ts";
import { DemoService } from "./demo-service.ts";
import { redirectionRouters } from "./entrypoint-redirect.ts";
import { compileGeneration, type InternalRouter } from "./compile.ts";
import { EntryPoint } from "./entrypoint.ts";
import { Generation } from "./generation.ts";
import { gracefulStop } from "./lifecycle.ts";
import type { RequestContext } from "./request-context.ts";
import type { EntryPointConfig } from "../config/static/types.ts";
import { parseCertificate, type LoadedCertificate } from "../tls/certificate.ts";
// Type-only: the ACME stack (acme-client, cloudflare, axios) costs ~58 MiB RSS and loads only when a resolver uses it.
import type { AcmeManager } from "../tls/acme/index.ts";
import { ACME_CHALLENGE_PREFIX, httpChallengeResponse } from "../tls/acme/http-challenge.ts";
import { buildTlsListeners, type TlsListenerSpec } from "../tls/listener-spec.ts";

const FIRST_CONFIG_WAIT_MS = 10_000;

/** The running proxy: entrypoints, the live generation, and what feeds it. */
export class SluiceApp {
  private generation: Generation;
  private generationId = 0;
  private terminating = false;
  private readonly entryPoints: (EntryPoint | RawEntryPoint)[] = [];
  private readonly services: ServiceRegistry;
  /** Made in start() when metrics are configured (prom-client is loaded only then: a smaller heap makes GCs cheaper). */
  private metrics: Metrics | null = null;
  private readonly accessLog: AccessLog | null;
  private readonly abort = new AbortController();
  private readonly fileProvider: FileProvider | null;
  private readonly demo = new DemoService();
  private readonly epDeps: { current: () => Generation; observer: { finished: (ctx: RequestContext) => void } };
  private readonly rawFront: boolean;
  private started = false;
  /** The dynamic config's tls section, kept for certificate refreshes (not the whole config: 10k routers weigh). */
  private lastTls: DynamicConfig["tls"];
  private generatedCert: LoadedCertificate | undefined;
  private tlsSpecs = new Map<string, TlsListenerSpec>();
  private tlsDiagnosticsText = "";
  private watcher?: ConfigWatcher;
  private acme: AcmeManager | null = null;
  /** Set once the generated default certificate is being made (its library loads on demand). */
  private generatingCert: Promise<void> | undefined;
  /** Parsed ACME certificates by PEM, so a refresh does not parse them again. */
  private readonly acmeParsed = new Map<string, LoadedCertificate>();
  /** Resolves each time a generation goes live (tests and `check` use it). */
  onGeneration?: (g: Generation) => void;

  /**
   * `makeRawUpstream` selects the raw HTTP/1.1 front (Bun.listen + own parser)
   * for the entrypoints, with a socket-to-socket fast path to backends.
   */
  constructor(
    readonly config: StaticConfig,
    private readonly log: Logger,
    makeClient: ClientFactory,
    makeRawUpstream?: RawUpstreamFactory,
  ) {
    // A log file is reopened on SIGUSR1, as Traefik does, so logrotate can move it away.
    this.accessLog = config.accessLog ? new AccessLog(config.accessLog) : null;
    if (config.accessLog?.filePath) this.accessLog!.reopenOnSignal("SIGUSR1");
    this.services = new ServiceRegistry(
      makeClient,
      {
        onServerUp: (service, url, up) => this.metrics?.serverUp(service, url, up),
        onHealthLog: (service, url, up, reason) =>
          this.log[up ? "info" : "warn"](`health check: server ${up ? "up" : "down"}`, reason ? { service, url, reason } : { service, url }),
      },
      hostname(),
    );
    this.services.makeRawUpstream = makeRawUpstream;
    this.generation = new Generation(0, new Map(), [], new Map());
    const file = config.providers.file;
    this.fileProvider = file ? new FileProvider({ filename: file.filename, directory: file.directory, watch: file.watch }) : null;
    const observer = {
      started: (ctx: RequestContext) => {
        if (this.metrics) ctx.openMetrics = this.metrics.requestOpened(ctx);
      },
      finished: (ctx: RequestContext) => {
        if (ctx.openMetrics) this.metrics?.requestClosed(ctx.openMetrics as ScalarSeries[]);
        this.metrics?.observeRequest(ctx, ctx.tls);
        this.accessLog?.log(ctx, ctx.tls);
      },
    };
    this.epDeps = { current: () => this.generation, observer };
    this.rawFront = makeRawUpstream !== undefined;
  }

  /** TLS entrypoints use Bun.serve (HTTP/2 by ALPN); plain ones the selected front. */
  private makeEntryPoint(name: string, config: EntryPointConfig, tls: TlsListenerSpec | undefined): EntryPoint | RawEntryPoint {
    if (this.rawFront) return new RawEntryPoint(name, config, this.epDeps, tls);
    return new EntryPoint(name, config, this.epDeps, tls);
  }

  get current(): Generation {
    return this.generation;
  }

  entryPoint(name: string): EntryPoint | RawEntryPoint | undefined {
    return this.entryPoints.find((e) => e.name === name);
  }

  /**
   * Start the providers, wait (bounded) for their first configuration, then
   * listen: a fresh instance does not answer 404s, nor 200 on /ping, before
   * its routes are loaded (Traefik #10151).
   */
  async start(): Promise<void> {
    const metricsConfig = this.config.metrics?.prometheus;
    if (metricsConfig) this.metrics = new (await import("../observability/metrics.ts")).Metrics(metricsConfig);
    if (Object.values(this.config.certificatesResolvers).some((r) => r.acme)) {
      const { AcmeManager } = await import("../tls/acme/index.ts");
      const prom = this.config.metrics?.prometheus;
      this.acme = new AcmeManager({ resolvers: this.config.certificatesResolvers, log: this.log, registry: this.metrics?.registry, metricsPrefix: prom?.prefix });
      // Loads acme.json first, so stored certificates serve from the first handshake.
      await this.acme.start();
      for (const p of this.acme.problems()) this.log.error(p);
      this.acme.onChange(() => this.refreshTls());
    }
    this.apply({}, []);
    let firstConfig: () => void = () => {};
    const loaded = new Promise<void>((resolve) => (firstConfig = resolve));
    const watcher = (this.watcher = new ConfigWatcher({
      throttleMs: this.config.providers.providersThrottleDurationMs,
      onConfig: (merged, diagnostics) => {
        this.apply(merged, diagnostics);
        firstConfig();
      },
      onReloadResult: (ok, diagnostics) => {
        this.metrics?.configReload(ok);
        if (!ok) {
          this.log.error("configuration rejected, the last good configuration keeps serving", {});
          for (const d of diagnostics) this.log.error(formatDiagnostic(d));
          firstConfig();
        }
      },
    }));
    if (this.fileProvider) {
      watcher.add(this.fileProvider);
      watcher.start(this.abort.signal);
      const waited = await Promise.race([loaded.then(() => true), Bun.sleep(FIRST_CONFIG_WAIT_MS).then(() => false)]);
      if (!waited) this.log.warn(`no configuration from the providers after ${FIRST_CONFIG_WAIT_MS} ms; listening anyway`);
    }
    // TLS entrypoints listen with their certificates from the first handshake.
    if (this.generation.tls.entryPoints.size > 0) await this.ensureGeneratedCert();
    for (const [name, config] of Object.entries(this.config.entryPoints)) {
      const ep = this.makeEntryPoint(name, config, this.tlsSpecs.get(name));
      this.entryPoints.push(ep);
      await ep.start();
      this.log.info(`entrypoint ${ep.name} listening`, { address: ep.config.address, port: ep.port, tls: this.tlsSpecs.has(name) });
    }
    this.started = true;
  }

  /** SIGHUP: re-read file-based configuration now. */
  reload(): void {
    this.fileProvider?.reload();
  }

  private apply(merged: DynamicConfig, providerDiagnostics: Diagnostic[]): void {
    const dynamic = this.demo.inject(merged);
    const built = this.services.build(dynamic.http ?? {}, this.config.serversTransport);
    const internal = this.internalServices();
    const gen = compileGeneration({
      id: ++this.generationId,
      dynamic,
      staticConfig: this.config,
      services: new Map<string, { handler: Handler; raw?: RawRouteHandler }>([...built.services, ...internal]),
      internal: this.internalRouters(internal),
    });
    this.generation = gen;
    built.retire();
    this.forgetRemovedSeries(gen, built.services);
    const located = locateDiagnostics([...built.diagnostics, ...gen.diagnostics], this.watcher?.locators() ?? new Map());
    for (const d of [...providerDiagnostics, ...located]) this.logDiagnostic(d);
    this.log.info("configuration applied", { generation: gen.id, routers: gen.routers.size });
    this.lastTls = dynamic.tls;
    this.acme?.setWanted(gen.tls.wanted);
    this.refreshTls();
    this.onGeneration?.(gen);
  }

  /** Routers, services and servers the last configuration had, for dropping their metric series when they go. */
  private seenRouters = new Set<string>();
  private seenServers = new Map<string, Set<string>>();

  /** A router, service or server gone from the configuration takes its series with it, as in Traefik. */
  private forgetRemovedSeries(gen: Generation, services: ReadonlyMap<string, Service>): void {
    const m = this.metrics;
    if (!m) return;
    for (const r of this.seenRouters) if (!gen.routers.has(r)) m.removeRouter(r);
    this.seenRouters = new Set(gen.routers.keys());
    const servers = new Map<string, Set<string>>();
    for (const [name, svc] of services) servers.set(name, new Set(svc instanceof LoadBalancerService ? svc.servers.map((s) => s.url.href) : []));
    for (const [name, urls] of this.seenServers) {
      const now = servers.get(name);
      if (!now) m.removeService(name);
      else for (const u of urls) if (!now.has(u)) m.removeServer(name, u);
    }
    this.seenServers = servers;
  }

  private logDiagnostic(d: Diagnostic): void {
    this.log[d.severity === "error" ? "error" : "warn"](formatDiagnostic(d));
  }

  /** The self-signed default certificate, made the first time a TLS entrypoint needs one (its library weighs ~22 MiB). */
  private ensureGeneratedCert(): Promise<void> {
    this.generatingCert ??= import("../tls/self-signed.ts")
      .then(({ defaultGeneratedCertificate }) => defaultGeneratedCertificate())
      .then((cert) => {
        this.generatedCert = cert;
        this.refreshTls();
      });
    return this.generatingCert;
  }

  /** Rebuilds the TLS listeners' SNI tables and swaps those that changed. */
  private refreshTls(): void {
    if (!this.generatedCert) {
      if (this.generation.tls.entryPoints.size > 0) {
        this.ensureGeneratedCert().catch((err: Error) => this.log.error(`cannot make the default TLS certificate: ${err.message}`));
      }
      return;
    }
    const { specs, diagnostics, certificates } = buildTlsListeners({
      tls: this.lastTls,
      entryPoints: this.generation.tls.entryPoints,
      extraCertificates: this.acmeCertificates(),
      generatedDefault: this.generatedCert,
    });
    // Logged when they change, not on every certificate event.
    const located = locateDiagnostics(diagnostics, this.watcher?.locators() ?? new Map());
    const text = located.map(formatDiagnostic).join("\n");
    if (text !== this.tlsDiagnosticsText) for (const d of located) this.logDiagnostic(d);
    this.tlsDiagnosticsText = text;
    this.tlsSpecs = specs;
    this.metrics?.setCertificates(specs.size > 0 ? certificates : []);
    if (this.started) this.reconcileEntryPoints();
  }

  private acmeCertificates(): LoadedCertificate[] {
    if (!this.acme) return [];
    const out: LoadedCertificate[] = [];
    const live = new Set<string>();
    for (const c of this.acme.certificates()) {
      live.add(c.certPem);
      let parsed = this.acmeParsed.get(c.certPem);
      if (!parsed) {
        try {
          parsed = parseCertificate(c.certPem, c.keyPem, `acme:${c.resolver}`);
        } catch (e) {
          this.log.error(`ACME certificate for ${c.domains.main} cannot be served: ${(e as Error).message}`);
          continue;
        }
        this.acmeParsed.set(c.certPem, parsed);
      }
      out.push(parsed);
    }
    for (const pem of this.acmeParsed.keys()) if (!live.has(pem)) this.acmeParsed.delete(pem);
    return out;
  }

  private reconcileEntryPoints(): void {
    this.entryPoints.forEach((ep, i) => {
      const spec = this.tlsSpecs.get(ep.name);
      if (spec && ep.isTls) {
        // In place where the listener can (node:tls SNI table); Bun.serve swaps listeners itself.
        if (ep.updateTls(spec)) return;
      } else if (!spec === !ep.isTls) return;
      // A new listener kind (first TLS router, last one gone) or TLS settings fixed at listen time.
      void ep.stop(false);
      const next = this.makeEntryPoint(ep.name, ep.config, spec);
      this.entryPoints[i] = next;
      Promise.resolve(next.start()).then(
        () => this.log.info(`entrypoint ${ep.name} listening again`, { port: next.port, tls: spec !== undefined }),
        (err: Error) => this.log.error(`entrypoint ${ep.name}: cannot listen again: ${err.message}`),
      );
    });
  }

  /**
   * `ping@internal` and `prometheus@internal`, as Traefik names them: the
   * built-in routers use them, and with `manualRouting` users route to them
   * themselves (own rule, entrypoint, middlewares).
   */
  private internalServices(): Map<string, { handler: Handler }> {
    const out = new Map<string, { handler: Handler }>();
    const ping = this.config.ping;
    if (ping) out.set("ping@internal", { handler: pingHandler(() => this.terminating, ping.terminatingStatusCode) });
    const metrics = this.metrics;
    if (this.config.metrics?.prometheus && metrics) {
      out.set("prometheus@internal", {
        handler: async (_req, ctx) => {
          const { contentType, body } = await metrics.render();
          ctx.downstreamStatus = 200;
          return new Response(body, { headers: { "content-type": contentType } });
        },
      });
    }
    return out;
  }

  private internalRouters(internal: Map<string, { handler: Handler }>): InternalRouter[] {
    const redirections = redirectionRouters(this.config);
    for (const e of redirections.errors) this.log.error(e);
    const routers: InternalRouter[] = [...redirections.routers];
    const acme = this.acme;
    if (acme) {
      // HTTP-01 answers come before every router, middleware and redirection of that entrypoint.
      const entryPoints = new Set(Object.values(this.config.certificatesResolvers).flatMap((r) => r.acme?.httpChallenge?.entryPoint ?? []));
      for (const ep of entryPoints) {
        routers.push({
          name: `acme-http@internal${entryPoints.size > 1 ? `-${ep}` : ""}`,
          entryPoint: ep,
          rule: `PathPrefix(\`${ACME_CHALLENGE_PREFIX}\`)`,
          priority: 0,
          handler: (req, ctx) => {
            const res = httpChallengeResponse(acme, new URL(req.url).pathname) ?? new Response("", { status: 404 });
            ctx.downstreamStatus = res.status;
            return res;
          },
        });
      }
    }
    const ping = this.config.ping;
    if (ping && !ping.manualRouting) {
      routers.push({ name: "ping@internal", entryPoint: ping.entryPoint, rule: "PathPrefix(`/ping`)", priority: 0, handler: internal.get("ping@internal")!.handler });
    }
    const prom = this.config.metrics?.prometheus;
    if (prom && this.metrics && !prom.manualRouting) {
      routers.push({ name: "prometheus@internal", entryPoint: prom.entryPoint, rule: "PathPrefix(`/metrics`)", priority: 0, handler: internal.get("prometheus@internal")!.handler });
    }
    return routers;
  }

  async stop(): Promise<void> {
    if (this.terminating) return;
    this.terminating = true;
    this.log.info("shutting down");
    this.abort.abort();
    this.acme?.stop();
    await gracefulStop(this.entryPoints, (m) => this.log.info(m));
    this.services.close();
    this.demo.stop();
    await this.accessLog?.close();
  }
}
