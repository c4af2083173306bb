// Sluice's own log (startup, config, errors), not the access log.
// Levels and formats follow Traefik: TRACE..PANIC, "common" text lines like
// `2026-11-25T09:00:00Z INF message key=value` or one JSON object per line.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { LogLevel } from "../config/static/types.ts";

export type LogFields = Record<string, unknown>;
export type LogFormat = "common" | "json" | "text";

export interface LoggerOptions {
  level: LogLevel | Lowercase<LogLevel>;
  format: LogFormat;
  /** Append to this file instead of stderr. */
  filePath?: string;
  /** Receives each finished line (with its "\n"); replaces stderr/file. For tests. */
  sink?: (line: string) => void;
  /** Clock in ms since the epoch; for tests. */
  now?: () => number;
}

export interface Logger {
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Logged at FATAL; the caller decides whether to exit. */
  fatal(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line and follows later reconfiguration. */
  child(fields: LogFields): Logger;
  /** Whether a line at `level` would be written (skip building costly fields). */
  enabled(level: LogLevel): boolean;
}

const LEVELS: Record<LogLevel, { rank: number; short: string; json: string }> = {
  TRACE: { rank: 0, short: "TRC", json: "trace" },
  DEBUG: { rank: 1, short: "DBG", json: "debug" },
  INFO: { rank: 2, short: "INF", json: "info" },
  WARN: { rank: 3, short: "WRN", json: "warn" },
  ERROR: { rank: 4, short: "ERR", json: "error" },
  FATAL: { rank: 5, short: "FTL", json: "fatal" },
  PANIC: { rank: 6, short: "PNC", json: "panic" },
};

export function parseLogLevel(level: string): LogLevel {
  const up = level.toUpperCase();
  if (up === "WARNING") return "WARN";
  if (up in LEVELS) return up as LogLevel;
  throw new Error(`unknown log level "${level}" (TRACE, DEBUG, INFO, WARN, ERROR, FATAL, PANIC)`);
}

/** Shared by a logger and all its children, so reconfiguring reaches them all. */
interface Core {
  minRank: number;
  json: boolean;
  write: (line: string) => void;
  close: () => void;
  now: () => number;
}

function makeCore(opts: LoggerOptions): Core {
  let write: (line: string) => void;
  let close = () => {};
  if (opts.sink) {
    write = opts.sink;
  } else if (opts.filePath) {
    mkdirSync(dirname(opts.filePath), { recursive: true });
    const fd = openSync(opts.filePath, "a");
    // Synchronous append: this log is low-volume and must survive a crash right after.
    write = (line) => void writeSync(fd, line);
    close = () => closeSync(fd);
  } else {
    write = (line) => void process.stderr.write(line);
  }
  return {
    minRank: LEVELS[parseLogLevel(opts.level)].rank,
    json: opts.format === "json",
    write,
    close,
    now: opts.now ?? Date.now,
  };
}

function textValue(v: unknown): string {
  if (v instanceof Error) v = v.message;
  if (typeof v === "string") return v === "" || /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  if (v === undefined) return "undefined";
  if (typeof v === "bigint") return v.toString();
  return JSON.stringify(v) ?? String(v);
}

function jsonValue(v: unknown): unknown {
  if (v instanceof Error) return v.message;
  if (typeof v === "bigint") return v.toString();
  return v;
}

/** Go's RFC 3339 rendering: seconds precision, "Z" for UTC. */
function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function format(core: Core, level: LogLevel, msg: string, base: LogFields | undefined, fields: LogFields | undefined): string {
  const meta = LEVELS[level];
  const time = rfc3339(core.now());
  if (core.json) {
    const obj: Record<string, unknown> = { level: meta.json, time, message: msg };
    for (const src of [base, fields]) {
      if (!src) continue;
      for (const k in src) obj[k] = jsonValue(src[k]);
    }
    return JSON.stringify(obj) + "\n";
  }
  let line = `${time} ${meta.short} ${msg}`;
  for (const src of [base, fields]) {
    if (!src) continue;
    for (const k in src) line += ` ${k}=${textValue(src[k])}`;
  }
  return line + "\n";
}

class CoreLogger implements Logger {
  constructor(
    private readonly holder: { core: Core },
    private readonly base?: LogFields,
  ) {}

  private emit(level: LogLevel, msg: string, fields?: LogFields): void {
    const core = this.holder.core;
    if (LEVELS[level].rank < core.minRank) return;
    try {
      core.write(format(core, level, msg, this.base, fields));
    } catch {
      // A broken log output must never take a request down with it.
    }
  }

  trace(msg: string, fields?: LogFields) { this.emit("TRACE", msg, fields); }
  debug(msg: string, fields?: LogFields) { this.emit("DEBUG", msg, fields); }
  info(msg: string, fields?: LogFields) { this.emit("INFO", msg, fields); }
  warn(msg: string, fields?: LogFields) { this.emit("WARN", msg, fields); }
  error(msg: string, fields?: LogFields) { this.emit("ERROR", msg, fields); }
  fatal(msg: string, fields?: LogFields) { this.emit("FATAL", msg, fields); }

  child(fields: LogFields): Logger {
    return new CoreLogger(this.holder, { ...this.base, ...fields });
  }

  enabled(level: LogLevel): boolean {
    return LEVELS[level].rank >= this.holder.core.minRank;
  }
}

export function createLogger(opts: LoggerOptions): Logger {
  return new CoreLogger({ core: makeCore(opts) });
}

// Traefik's default level is ERROR; Sluice starts at INFO until the static
// config is read, so early startup messages are not lost.
const defaultHolder = { core: makeCore({ level: "INFO", format: "common" }) };

/** The process-wide logger. Children taken from it follow `configureLogger`. */
export const log: Logger = new CoreLogger(defaultHolder);

/** Point the process-wide logger at a new level/format/output. */
export function configureLogger(opts: LoggerOptions): void {
  const old = defaultHolder.core;
  defaultHolder.core = makeCore(opts);
  old.close();
}
