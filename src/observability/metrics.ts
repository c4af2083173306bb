// Prometheus metrics with Traefik's family names and labels under a
// configurable prefix ("sluice" by default, "traefik" for Traefik dashboards).
// observeRequest runs once per request: it finds a cached bundle of series by
// one string key and bumps plain numbers.
import { Registry } from "prom-client";
import type { PrometheusConfig } from "../config/static/types.ts";
import type { RequestContext } from "../server/request-context.ts";
import { CounterFamily, GaugeFamily, HistogramFamily, type HistogramSeries, type ScalarSeries } from "./metric-families.ts";
import { LabelCache } from "./label-cache.ts";
import { codeLabel, methodLabel, protocolLabel, serviceStatus } from "./metric-labels.ts";
import { buildFamilies, type Families } from "./metrics-families-def.ts";

export interface TlsLabels {
  version: string;
  cipher: string;
}

/** The series one request touches at one level (entrypoint, router or service). */
interface RequestBundle {
  /** The entrypoint, router or service the bundle belongs to. */
  owner: string;
  service: string;
  reqs: ScalarSeries;
  dur: HistogramSeries;
  reqBytes: ScalarSeries;
  respBytes: ScalarSeries;
}

const SEP = "\u0000";
const DEFAULT_BUCKETS = [0.1, 0.3, 1.2, 5];

export class Metrics {
  readonly registry = new Registry();
  private readonly f: Families;
  private readonly epCache = new LabelCache<RequestBundle>();
  private readonly routerCache = new LabelCache<RequestBundle>();
  private readonly svcCache = new LabelCache<RequestBundle>();
  /** Open-connection series by entrypoint, router, service, method and protocol. */
  private readonly openCache = new LabelCache<ScalarSeries[]>();

  constructor(cfg: PrometheusConfig) {
    const buckets = cfg.buckets?.length ? [...cfg.buckets].sort((a, b) => a - b) : DEFAULT_BUCKETS;
    this.f = buildFamilies(cfg, buckets);
    for (const fam of Object.values(this.f)) {
      if (fam) (fam as CounterFamily | GaugeFamily | HistogramFamily).register(this.registry);
    }
  }

  observeRequest(ctx: RequestContext, tls?: TlsLabels): void {
    const f = this.f;
    const method = methodLabel(ctx.method);
    const proto = ctx.protocolLabel ?? protocolLabel(ctx.requestHeaderList ?? ctx.requestHeaders);
    const seconds = (ctx.durationMs ?? 0) / 1000;
    const code = codeLabel(ctx.downstreamStatus);

    if (f.epReqs) {
      let b = this.epCache.get(ctx.entryPoint, code, method, proto, "");
      if (!b) {
        const labels = [code, method, proto, ctx.entryPoint];
        b = this.bundle(ctx.entryPoint, "", labels, ctx.entryPoint + SEP + code + SEP + method + SEP + proto, f.epReqs, f.epDur!, f.epReqBytes!, f.epRespBytes!);
        this.epCache.set(ctx.entryPoint, code, method, proto, "", b);
      }
      bump(b, seconds, ctx.requestContentSize, ctx.downstreamContentSize);
      if (tls) f.epTls!.child([tls.version, tls.cipher, ctx.entryPoint], tls.version + SEP + tls.cipher + SEP + ctx.entryPoint).value++;
    }

    const router = ctx.routerName;
    const service = ctx.serviceName ?? "";
    if (f.routerReqs && router) {
      let b = this.routerCache.get(router, service, code, method, proto);
      if (!b) {
        const labels = [code, method, proto, router, service];
        b = this.bundle(router, service, labels, router + SEP + service + SEP + code + SEP + method + SEP + proto, f.routerReqs, f.routerDur!, f.routerReqBytes!, f.routerRespBytes!);
        this.routerCache.set(router, service, code, method, proto, b);
      }
      bump(b, seconds, ctx.requestContentSize, ctx.downstreamContentSize);
      // Keyed by exactly its labels: one series per TLS version, cipher, router and service.
      if (tls) f.routerTls!.child([tls.version, tls.cipher, router, service], tls.version + SEP + tls.cipher + SEP + router + SEP + service).value++;
    }

    if (f.svcReqs && service) {
      const svcCode = codeLabel(serviceStatus(ctx));
      let b = this.svcCache.get(service, svcCode, method, proto, "");
      if (!b) {
        const labels = [svcCode, method, proto, service];
        b = this.bundle(service, service, labels, service + SEP + svcCode + SEP + method + SEP + proto, f.svcReqs, f.svcDur!, f.svcReqBytes!, f.svcRespBytes!);
        this.svcCache.set(service, svcCode, method, proto, "", b);
      }
      const svcSeconds = ctx.originDurationMs !== undefined ? ctx.originDurationMs / 1000 : seconds;
      bump(b, svcSeconds, ctx.requestContentSize, ctx.originContentSize ?? ctx.downstreamContentSize);
      if (tls) f.svcTls!.child([tls.version, tls.cipher, service], tls.version + SEP + tls.cipher + SEP + service).value++;
      if (ctx.retryAttempts > 0) f.svcRetries!.child([service], service).value += ctx.retryAttempts;
    }
  }

  private bundle(
    owner: string,
    service: string,
    labels: string[],
    key: string,
    reqs: CounterFamily,
    dur: HistogramFamily,
    reqBytes: CounterFamily,
    respBytes: CounterFamily,
  ): RequestBundle {
    return {
      owner,
      service,
      reqs: reqs.child(labels, key),
      dur: dur.child(labels, key),
      reqBytes: reqBytes.child(labels, key),
      respBytes: respBytes.child(labels, key),
    };
  }

  /**
   * A routed request is in flight (a WebSocket for as long as it is open):
   * the open-connection gauges count it until requestClosed(the result).
   * The series arrays are cached by label values: no allocation per request.
   */
  requestOpened(ctx: RequestContext): ScalarSeries[] {
    const method = methodLabel(ctx.method);
    // Kept for observeRequest at the end: the headers are read once.
    const proto = (ctx.protocolLabel = protocolLabel(ctx.requestHeaderList ?? ctx.requestHeaders));
    const router = ctx.routerName ?? "";
    const service = ctx.serviceName ?? "";
    let series = this.openCache.get(ctx.entryPoint, router, service, method, proto);
    if (!series) {
      series = this.openSeries(ctx.entryPoint, proto, method, ctx.routerName, ctx.serviceName);
      this.openCache.set(ctx.entryPoint, router, service, method, proto, series);
    }
    for (const s of series) s.value++;
    return series;
  }

  requestClosed(series: ScalarSeries[]): void {
    for (const s of series) s.value--;
  }

  private openSeries(entryPoint: string, protocol: string, method: string, router?: string, service?: string): ScalarSeries[] {
    const f = this.f;
    const touched: ScalarSeries[] = [f.openConns.child([entryPoint, protocol])];
    if (f.epOpen) touched.push(f.epOpen.child([method, protocol, entryPoint]));
    if (f.routerOpen && router) touched.push(f.routerOpen.child([method, protocol, router, service ?? ""]));
    if (f.svcOpen && service) touched.push(f.svcOpen.child([method, protocol, service]));
    return touched;
  }

  /** One configuration reload attempt, as Traefik counts them. */
  configReload(ok: boolean, nowMs = Date.now()): void {
    const seconds = Math.floor(nowMs / 1000);
    if (ok) {
      this.f.reloads.child([]).value++;
      this.f.lastReloadSuccess.child([]).value = seconds;
    } else {
      this.f.reloadFailures.child([]).value++;
      this.f.lastReloadFailure.child([]).value = seconds;
    }
  }

  /** The certificates being served, as Traefik's tls_certs_not_after (seconds since the epoch). */
  setCertificates(certs: readonly { cn: string; names: readonly string[]; serial: string; notAfter: Date }[]): void {
    const fam = this.f.tlsCertsNotAfter;
    fam.removeIf(() => true);
    for (const c of certs) fam.child([c.cn, c.names.join(","), c.serial]).value = Math.floor(c.notAfter.getTime() / 1000);
  }

  serverUp(service: string, url: string, up: boolean): void {
    const fam = this.f.svcServerUp;
    if (fam) fam.child([service, url]).value = up ? 1 : 0;
  }

  /** Forgets one server of a service (it left the configuration). */
  removeServer(service: string, url: string): void {
    this.f.svcServerUp?.removeIf((l) => l.service === service && l.url === url);
  }

  /** Forgets every series of a service that left the configuration. */
  removeService(service: string): void {
    const f = this.f;
    // Router series carry a service label too, as in Traefik's partial-match delete.
    for (const fam of [
      f.svcReqs, f.svcDur, f.svcReqBytes, f.svcRespBytes, f.svcTls, f.svcOpen, f.svcRetries, f.svcServerUp,
      f.routerReqs, f.routerDur, f.routerReqBytes, f.routerRespBytes, f.routerTls, f.routerOpen,
    ]) {
      fam?.removeWhere("service", service);
    }
    this.svcCache.deleteWhere((b) => b.service === service);
    this.routerCache.deleteWhere((b) => b.service === service);
    this.openCache.clear();
  }

  /** Forgets every series of a router that left the configuration. */
  removeRouter(router: string): void {
    const f = this.f;
    for (const fam of [f.routerReqs, f.routerDur, f.routerReqBytes, f.routerRespBytes, f.routerTls, f.routerOpen]) {
      fam?.removeWhere("router", router);
    }
    this.routerCache.deleteWhere((b) => b.owner === router);
    this.openCache.clear();
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function bump(b: RequestBundle, seconds: number, reqBytes: number, respBytes: number): void {
  b.reqs.value++;
  b.dur.observe(seconds);
  b.reqBytes.value += reqBytes;
  b.respBytes.value += respBytes;
}
