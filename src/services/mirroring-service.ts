// `mirroring`: every request goes to the main service; a share of them is also
// copied to mirror services whose answers are thrown away. Mirrors are fire
// and forget: they start once the main service has answered (as in Traefik)
// and never delay or change that answer. Memory stays bounded: at most
// `maxInFlight` mirror requests run at once (more are dropped), and body
// copies are limited by maxBodySize and by a byte budget per service.
import type { ConnInfo, Handler } from "../server/handler.ts";
import type { RequestContext } from "../server/request-context.ts";
import { BodyCopy, ByteBudget, teeInto } from "./mirror-body.ts";
import type { Service } from "./service.ts";

export interface MirrorTarget {
  service: Service;
  /** 0..100: share of requests copied to this mirror. */
  percent: number;
}

export interface MirroringOptions {
  /** Largest body copied, in bytes; -1 = no limit of its own (the byte budget still applies). */
  maxBodySize: number;
  /** v3 `mirrorBody`: false sends mirrors the request without its body. */
  mirrorBody: boolean;
  /** `healthCheck: {}` was given: report the main service's health. */
  followHealth: boolean;
  maxInFlight?: number;
  /** Bytes all pending body copies of this service may hold together. */
  bodyBudgetBytes?: number;
  /** A mirror request still running after this is aborted. */
  mirrorTimeoutMs?: number;
}

export const DEFAULT_MAX_MIRRORS_IN_FLIGHT = 64;
export const DEFAULT_BODY_BUDGET_BYTES = 32 * 1024 * 1024;
export const DEFAULT_MIRROR_TIMEOUT_MS = 30_000;

/** Counters for tests and diagnostics. */
export interface MirrorStats {
  sent: number;
  dropped: number;
  inFlight: number;
}

interface MirrorSlot {
  service: Service;
  percent: number;
  /** Requests copied to this mirror so far. */
  count: number;
}

export class MirroringService implements Service {
  readonly handler: Handler;
  readonly reportsHealth: boolean;
  readonly stats: MirrorStats = { sent: 0, dropped: 0, inFlight: 0 };
  private readonly slots: MirrorSlot[];
  private total = 0;
  private readonly budget: ByteBudget;
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;

  constructor(readonly name: string, private readonly main: Service, mirrors: MirrorTarget[], private readonly opts: MirroringOptions) {
    this.reportsHealth = opts.followHealth;
    this.slots = mirrors.map((m) => ({ service: m.service, percent: m.percent, count: 0 }));
    this.budget = new ByteBudget(opts.bodyBudgetBytes ?? DEFAULT_BODY_BUDGET_BYTES);
    this.maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_MIRRORS_IN_FLIGHT;
    this.timeoutMs = opts.mirrorTimeoutMs ?? DEFAULT_MIRROR_TIMEOUT_MS;
    this.handler = (req, ctx, conn) => this.serve(req, ctx, conn);
  }

  /**
   * The mirrors this request goes to. Traefik's exact counting rule: a mirror
   * takes request n when fewer than percent% of the n requests so far were
   * copied to it, so 10% is exactly every tenth request, spread out.
   */
  selectMirrors(): Service[] | null {
    const total = ++this.total;
    let chosen: Service[] | null = null;
    for (const slot of this.slots) {
      if (slot.count * 100 < total * slot.percent) {
        slot.count++;
        (chosen ??= []).push(slot.service);
      }
    }
    return chosen;
  }

  private async serve(req: Request, ctx: RequestContext, conn: ConnInfo): Promise<Response> {
    const mirrors = this.selectMirrors();
    if (mirrors === null) return this.main.handler(req, ctx, conn);
    if (this.stats.inFlight >= this.maxInFlight) {
      this.stats.dropped += mirrors.length;
      return this.main.handler(req, ctx, conn);
    }
    let copy: BodyCopy | null = null;
    let forMain = req;
    if (this.opts.mirrorBody && req.body !== null) {
      const limit = this.opts.maxBodySize >= 0 ? this.opts.maxBodySize : Infinity;
      const declared = Number(req.headers.get("content-length") ?? NaN);
      if (declared > limit || declared > this.budget.limit - this.budget.used) {
        // Known too large up front: not mirrored, and no copy made.
        this.stats.dropped += mirrors.length;
        return this.main.handler(req, ctx, conn);
      }
      copy = new BodyCopy(limit, this.budget);
      forMain = new Request(req.url, {
        method: req.method,
        headers: req.headers,
        body: teeInto(req.body, copy),
        signal: req.signal,
        redirect: "manual",
        duplex: "half",
      } as RequestInit);
    }
    const snapshot = { url: req.url, method: req.method, headers: req.headers };
    const response = await this.main.handler(forMain, ctx, conn);
    if (req.signal.aborted) {
      // As in Traefik: a request the client gave up on is not mirrored.
      copy?.drop();
      this.stats.dropped += mirrors.length;
      return response;
    }
    void this.dispatch(mirrors, snapshot, copy, ctx, conn);
    return response;
  }

  /** Sends the copies once the body (if any) is complete. Never throws. */
  private async dispatch(
    mirrors: Service[],
    req: { url: string; method: string; headers: Headers },
    copy: BodyCopy | null,
    ctx: RequestContext,
    conn: ConnInfo,
  ): Promise<void> {
    let body: Uint8Array | null = null;
    if (copy) {
      // A body the main service never finished reading must not pin memory.
      const timer = setTimeout(() => copy.drop(), this.timeoutMs);
      body = await copy.done;
      clearTimeout(timer);
      if (body === null) {
        this.stats.dropped += mirrors.length;
        return;
      }
    }
    const runs: Promise<void>[] = [];
    for (const mirror of mirrors) {
      if (this.stats.inFlight >= this.maxInFlight) {
        this.stats.dropped++;
        continue;
      }
      runs.push(this.sendOne(mirror, req, body, ctx, conn));
    }
    await Promise.all(runs);
    copy?.release();
  }

  private async sendOne(
    mirror: Service,
    req: { url: string; method: string; headers: Headers },
    body: Uint8Array | null,
    ctx: RequestContext,
    conn: ConnInfo,
  ): Promise<void> {
    this.stats.inFlight++;
    this.stats.sent++;
    try {
      const headers = new Headers(req.headers);
      headers.delete("transfer-encoding");
      if (body === null) headers.delete("content-length");
      else headers.set("content-length", String(body.byteLength));
      const mreq = new Request(req.url, {
        method: req.method,
        headers,
        body: body === null || body.byteLength === 0 ? null : body,
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: "manual",
      });
      // The mirror's own context: its upstream, status and errors stay out of the main log line.
      const mctx: RequestContext = { ...ctx, serviceUrl: undefined, serviceAddr: undefined, originStatus: undefined, error: undefined, responseHeaders: undefined };
      const res = await mirror.handler(mreq, mctx, conn);
      await res.body?.cancel().catch(() => {});
    } catch {
      // A failing mirror is not the client's problem.
    } finally {
      this.stats.inFlight--;
    }
  }

  isUp(): boolean {
    return this.main.isUp();
  }

  dispose(): void {}
}
