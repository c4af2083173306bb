// The access log: one line per finished request, in Traefik's common or
// JSON format, filtered and field-selected as configured. Called from the
// request path, so it only formats and queues; the writing happens later.
import type { AccessLogConfig } from "../config/static/types.ts";
import type { RequestContext } from "../server/request-context.ts";
import { buildFilter, type AccessLogFilter } from "./access-log-filter.ts";
import { buildFields, FieldSelector, type TlsInfo } from "./access-log-fields.ts";
import { formatCommon, formatCommonDefault, formatJson } from "./access-log-format.ts";
import { LineWriter } from "./line-writer.ts";
import { log } from "./logger.ts";

// Process-wide like Traefik's: counts every request seen, logged or filtered out.
let requestCounter = 0;

/** Next value of the process-wide request counter (RequestCount). */
export function nextRequestCount(): number {
  return ++requestCounter;
}

export interface AccessLogOptions {
  /** Clock for logrus' `time` key in JSON lines (ms since the epoch). */
  now?: () => number;
  /** With bufferingSize > 0, how long held lines may wait on quiet traffic. */
  maxDelayMs?: number;
}

export class AccessLog {
  private readonly keep: AccessLogFilter;
  private readonly fields: FieldSelector;
  private readonly writer: LineWriter;
  private readonly json: boolean;
  /** The common format with the default fields: written from the context, without the field table. */
  private readonly commonDefault: boolean;
  private readonly now: () => number;
  private onSignal: { signal: NodeJS.Signals; handler: () => void } | undefined;

  constructor(cfg: AccessLogConfig, sink?: (chunk: string) => void, opts: AccessLogOptions = {}) {
    const filter = buildFilter(cfg.filters);
    if (filter.error) log.error("access log: ignoring statusCodes filter", { error: filter.error });
    this.keep = filter.keep;
    this.fields = new FieldSelector(cfg.fields);
    if (cfg.format !== "json" && cfg.format !== "common") {
      log.error("access log: unsupported format, using common", { format: String(cfg.format) });
    }
    this.json = cfg.format === "json";
    this.commonDefault = !this.json && this.fields.isDefault;
    this.now = opts.now ?? Date.now;
    this.writer = new LineWriter({
      filePath: cfg.filePath,
      sink,
      bufferingSize: Math.max(0, Math.floor(cfg.bufferingSize || 0)),
      maxDelayMs: opts.maxDelayMs,
    });
  }

  /** Records one finished request. Never throws into the request path. */
  log(ctx: RequestContext, tls?: TlsInfo): void {
    const count = nextRequestCount();
    try {
      const durationMs = ctx.durationMs ?? 0;
      if (!this.keep({ status: ctx.downstreamStatus, retryAttempts: ctx.retryAttempts, durationMs })) return;
      if (this.commonDefault) return this.writer.write(formatCommonDefault(ctx, count));
      const fields = buildFields(ctx, count, this.fields, tls);
      this.writer.write(this.json ? formatJson(fields, this.now()) : formatCommon(fields));
    } catch (err) {
      log.error("access log: could not format a line", { error: err });
    }
  }

  /** Lines lost because the output could not keep up. */
  get dropped(): number {
    return this.writer.dropped;
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Reopens the file, for logrotate-style rotation. */
  reopen(): Promise<void> {
    return this.writer.reopen();
  }

  /** Reopen on SIGUSR1 as Traefik does; returns this for chaining. */
  reopenOnSignal(signal: NodeJS.Signals = "SIGUSR1"): this {
    if (this.onSignal) return this;
    const handler = () => void this.reopen();
    this.onSignal = { signal, handler };
    process.on(signal, handler);
    return this;
  }

  async close(): Promise<void> {
    if (this.onSignal) {
      process.off(this.onSignal.signal, this.onSignal.handler);
      this.onSignal = undefined;
    }
    await this.writer.close();
  }
}
