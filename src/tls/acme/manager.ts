// AcmeManager: holds the ACME certificates of every resolver, obtains the
// missing ones in the background, renews those inside Traefik's window, and
// treats the CA with care (backoff, hourly cap, Retry-After). Nothing here
// throws to the caller: failures are logged, counted and retried.
import { resolve } from "node:path";
import * as acme from "acme-client";
import type { Registry } from "prom-client";
import type { CertificateResolverConfig } from "../../config/static/types.ts";
import type { Logger } from "../../observability/logger.ts";
import { errorMessage } from "./ca-probe.ts";
import type { Env } from "./dns/env.ts";
import { describeDomains, domainSetKey, domainSetProblems, normalizeDomainSet, setCovers } from "./domains.ts";
import { configureAcmeHttp, readCaCertificates, retryAfterSince } from "./http-setup.ts";
import { noMetrics, promAcmeMetrics, type AcmeMetrics } from "./metrics.ts";
import { AcmeOrderError, orderCertificate } from "./order.ts";
import { nextAttemptAfterFailure, OrderBudget } from "./order-policy.ts";
import { needsRenewal, renewDurations } from "./renew-window.ts";
import { buildResolver, type ResolverRuntime } from "./resolver.ts";
import { AcmeStorage } from "./storage.ts";
import type { DomainSet, DomainSetStatus, ManagedCertificate, WantedCertificate } from "./types.ts";

export interface AcmeManagerOptions {
  resolvers: Record<string, CertificateResolverConfig>;
  log: Logger;
  env?: Env;
  /** Clock (ms since the epoch) for renew windows and retry times; tests shift it. */
  now?: () => number;
  registry?: Registry;
  metricsPrefix?: string;
  /** Or any other sink for the ACME metrics (wins over registry). */
  metrics?: AcmeMetrics;
  /** Orders running at once across all resolvers (default 2). */
  maxConcurrentOrders?: number;
}

interface Entry {
  key: string;
  rt: ResolverRuntime;
  domains: DomainSet;
  cert?: ManagedCertificate;
  wanted: boolean;
  invalid?: string;
  budget: OrderBudget;
  orders: number;
  failures: number;
  nextAttemptAt?: number;
  lastError?: string;
  running?: Promise<void>;
  timer?: ReturnType<typeof setTimeout>;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class AcmeManager {
  private readonly log: Logger;
  private readonly env: Env;
  private readonly now: () => number;
  private readonly metrics: AcmeMetrics;
  private readonly resolvers = new Map<string, ResolverRuntime>();
  private readonly entries = new Map<string, Entry>();
  private readonly httpTokens = new Map<string, string>();
  private readonly listeners: Array<() => void> = [];
  private readonly problemList: string[] = [];
  private readonly intervals: Array<ReturnType<typeof setInterval>> = [];
  private readonly abort = new AbortController();
  private wanted: WantedCertificate[] = [];
  private ca?: string[];
  private started = false;
  private stopped = false;
  private slots: number;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly opts: AcmeManagerOptions) {
    this.log = opts.log.child({ component: "acme" });
    this.env = opts.env ?? process.env;
    this.now = opts.now ?? Date.now;
    this.metrics = opts.metrics ?? (opts.registry ? promAcmeMetrics(opts.registry, opts.metricsPrefix) : noMetrics);
    this.slots = opts.maxConcurrentOrders ?? 2;
  }

  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    try {
      const { pems, problems } = readCaCertificates(this.env.LEGO_CA_CERTIFICATES);
      problems.forEach((p) => this.problem(p));
      this.ca = pems.length ? pems : undefined;
      configureAcmeHttp(this.ca);
      acme.setLogger((msg) => this.log.trace(`acme-client: ${msg}`));
      const storages = new Map<string, AcmeStorage>();
      for (const [name, cfg] of Object.entries(this.opts.resolvers)) {
        if (!cfg.acme) continue;
        const path = resolve(cfg.acme.storage || "acme.json");
        let storage = storages.get(path);
        if (!storage) {
          storage = new AcmeStorage(path, this.log);
          storage.load();
          storages.set(path, storage);
        }
        const { rt, problems: rp } = buildResolver(name, cfg.acme, storage, this.env, this.log);
        rp.forEach((p) => this.problem(p));
        this.resolvers.set(name, rt);
        this.loadStored(rt);
        if (!rt.disabled) {
          const t = setInterval(() => this.evaluate(), Math.min(MAX_TIMER_MS, renewDurations(rt.certificatesDurationHours).intervalMs));
          t.unref?.();
          this.intervals.push(t);
        }
      }
      if (this.entries.size) this.notify();
      this.applyWanted();
      this.evaluate();
    } catch (err) {
      this.problem(`ACME: start failed: ${errorMessage(err)}`);
    }
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    for (const t of this.intervals) clearInterval(t);
    for (const e of this.entries.values()) if (e.timer) clearTimeout(e.timer);
    this.queue.length = 0;
  }

  setWanted(wanted: WantedCertificate[]): void {
    this.wanted = wanted;
    if (!this.started || this.stopped) return;
    try {
      this.applyWanted();
      this.evaluate();
    } catch (err) {
      this.log.error("ACME: cannot apply wanted certificates", { error: errorMessage(err) });
    }
  }

  certificates(): ManagedCertificate[] {
    return [...this.entries.values()].flatMap((e) => (e.cert ? [e.cert] : []));
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  httpChallenge(token: string): string | undefined {
    return this.httpTokens.get(token);
  }

  problems(): string[] {
    return [...this.problemList];
  }

  status(): DomainSetStatus[] {
    const now = this.now();
    return [...this.entries.values()].map((e) => ({
      resolver: e.rt.name,
      domains: e.domains,
      state: e.invalid
        ? "invalid"
        : e.running
          ? e.cert ? "renewing" : "obtaining"
          : e.failures > 0
            ? "failed"
            : e.cert && !needsRenewal(e.cert.notAfter, now, renewDurations(e.rt.certificatesDurationHours).windowMs)
              ? "valid"
              : e.cert ? "renewing" : "obtaining",
      notAfter: e.cert?.notAfter,
      orders: e.orders,
      failures: e.failures,
      nextAttemptAt: e.nextAttemptAt !== undefined ? new Date(e.nextAttemptAt) : undefined,
      lastError: e.lastError,
    }));
  }

  /** Resolves once no order is running (retries scheduled for later do not count). For tests and shutdown. */
  async idle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const running = [...this.entries.values()].flatMap((e) => (e.running ? [e.running] : []));
      if (!running.length) return;
      await Promise.allSettled(running);
    }
  }

  private problem(msg: string): void {
    if (this.problemList.includes(msg)) return;
    this.problemList.push(msg);
    this.log.error(msg);
  }

  private loadStored(rt: ResolverRuntime): void {
    for (const stored of rt.storage.certificates(rt.name)) {
      const domains = normalizeDomainSet(stored.domains);
      let notAfter: Date;
      try {
        notAfter = acme.crypto.readCertificateInfo(stored.certPem).notAfter;
      } catch (err) {
        rt.log.warn("ACME: stored certificate cannot be read; ignored", { domains: describeDomains(domains), error: errorMessage(err) });
        continue;
      }
      const e = this.entry(rt, domains);
      e.cert = { resolver: rt.name, domains, certPem: stored.certPem, keyPem: stored.keyPem, notAfter };
      this.metrics.certNotAfter(rt.name, domains.main, domains.sans, notAfter);
      rt.log.info("ACME: certificate loaded from storage", { domains: describeDomains(domains), notAfter: notAfter.toISOString() });
    }
  }

  private entry(rt: ResolverRuntime, domains: DomainSet): Entry {
    const key = domainSetKey(rt.name, domains);
    let e = this.entries.get(key);
    if (!e) {
      e = { key, rt, domains, wanted: false, budget: new OrderBudget(), orders: 0, failures: 0 };
      this.entries.set(key, e);
    }
    return e;
  }

  private applyWanted(): void {
    for (const e of this.entries.values()) e.wanted = false;
    for (const w of this.wanted) {
      const rt = this.resolvers.get(w.resolver);
      const domains = normalizeDomainSet(w.domains);
      if (!rt) {
        this.problem(`ACME: certificate resolver "${w.resolver}" is not defined (domains ${describeDomains(domains)})`);
        continue;
      }
      if (rt.disabled) continue;
      const key = domainSetKey(rt.name, domains);
      if (!this.entries.has(key)) {
        const cover = [...this.entries.values()].find((o) => o.rt === rt && o.cert && setCovers(o.domains, domains));
        if (cover) {
          cover.wanted = true;
          continue;
        }
      }
      const e = this.entry(rt, domains);
      e.wanted = true;
      const bad = domainSetProblems(domains, { dns: !!rt.dns });
      e.invalid = bad.length ? `certificatesResolvers.${rt.name}: domains ${describeDomains(domains)}: ${bad.join("; ")}` : undefined;
      if (e.invalid) this.problem(e.invalid);
    }
  }

  /** Starts (or schedules) every order that is due: missing wanted certificates and those inside the renew window. */
  private evaluate(): void {
    if (this.stopped || !this.started) return;
    const now = this.now();
    for (const e of this.entries.values()) {
      if (e.running || e.timer || !this.isDue(e, now)) continue;
      this.schedule(e, e.nextAttemptAt ?? now);
    }
  }

  /** Missing and wanted, or held and inside the renew window (wanted or not, like Traefik). */
  private isDue(e: Entry, now: number): boolean {
    if (e.invalid || e.rt.disabled) return false;
    return e.cert ? needsRenewal(e.cert.notAfter, now, renewDurations(e.rt.certificatesDurationHours).windowMs) : e.wanted;
  }

  private schedule(e: Entry, at: number): void {
    if (this.stopped) return;
    const allowed = Math.max(at, e.budget.nextAllowed(this.now()));
    const delay = allowed - this.now();
    if (delay <= 0) {
      this.run(e);
      return;
    }
    e.nextAttemptAt = allowed;
    e.timer = setTimeout(() => {
      e.timer = undefined;
      // The config may have dropped this set meanwhile.
      if (!this.stopped && this.isDue(e, this.now())) this.schedule(e, allowed);
    }, Math.min(delay, MAX_TIMER_MS));
    e.timer.unref?.();
  }

  private run(e: Entry): void {
    const rt = e.rt;
    const renewal = !!e.cert;
    const domains = describeDomains(e.domains);
    e.budget.record(this.now());
    e.orders++;
    e.nextAttemptAt = undefined;
    this.metrics.orderStarted(rt.name);
    rt.log.info(renewal ? "ACME: renewing certificate" : "ACME: obtaining certificate", { domains, attempt: e.failures + 1 });
    const startedReal = Date.now();
    let retryAt: number | undefined;
    e.running = this.withSlot(() => orderCertificate(rt, e.domains, { httpTokens: this.httpTokens, ca: this.ca, signal: this.abort.signal }))
      .then((res) => {
        if (this.stopped) {
          rt.log.info("ACME: manager stopped; new certificate discarded", { domains });
          return;
        }
        e.cert = { resolver: rt.name, domains: e.domains, certPem: res.certPem, keyPem: res.keyPem, notAfter: res.notAfter };
        e.failures = 0;
        e.lastError = undefined;
        rt.storage.putCertificate(rt.name, { domains: e.domains, certPem: res.certPem, keyPem: res.keyPem, store: "default" });
        const saveError = rt.storage.save();
        if (saveError) rt.log.error("ACME: certificate kept in memory only", { domains, error: saveError });
        this.metrics.certNotAfter(rt.name, e.domains.main, e.domains.sans, res.notAfter);
        rt.log.info(renewal ? "ACME: certificate renewed" : "ACME: certificate obtained", { domains, notAfter: res.notAfter.toISOString() });
        this.notify();
      })
      .catch((err: unknown) => {
        e.failures++;
        e.lastError = errorMessage(err);
        this.metrics.orderFailed(rt.name);
        if (this.stopped) return;
        const now = this.now();
        const retryAfter = (err instanceof AcmeOrderError ? err.retryAfterMs : undefined) ?? retryAfterSince(rt.caServer, startedReal);
        const next = nextAttemptAfterFailure(now, e.failures, retryAfter, e.budget);
        rt.log.error(renewal ? "ACME: renewal failed; the current certificate stays in use" : "ACME: order failed", {
          domains,
          error: e.lastError,
          failures: e.failures,
          retryInSeconds: Math.round((next - now) / 1000),
        });
        retryAt = next;
      })
      .finally(() => {
        e.running = undefined;
        if (retryAt !== undefined) this.schedule(e, retryAt);
      });
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.slots <= 0) await new Promise<void>((res) => this.queue.push(res));
    else this.slots--;
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.slots++;
    }
  }

  private notify(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.log.error("ACME: certificate change listener failed", { error: errorMessage(err) });
      }
    }
  }
}
