import { DURATION_EXPECTED, tryParseDuration } from "../config/static/duration.ts";
import { didYouMean } from "../config/static/suggest.ts";
import type { OptionProblem } from "./registry.ts";

// Reads a middleware's options the way Traefik's file provider does: keys are
// case-insensitive, lists may also be given as comma-separated strings (as in
// labels), numbers may be quoted. Every problem is collected with its key path
// instead of thrown, so one bad option does not hide the others. Unknown keys
// are warnings with a did-you-mean, like the rest of the dynamic config.

type Raw = Record<string, unknown>;

export class OptionReader {
  readonly problems: OptionProblem[];
  private readonly raw: Raw;
  /** Keys read so far, lower-cased to the name as the middleware spells it. */
  private readonly seen = new Map<string, string>();

  constructor(raw: unknown, private readonly base = "", problems?: OptionProblem[]) {
    this.problems = problems ?? [];
    if (raw === undefined || raw === null) this.raw = {};
    else if (typeof raw === "object" && !Array.isArray(raw)) this.raw = raw as Raw;
    else {
      this.raw = {};
      this.error("", `expected a mapping of options, got ${describe(raw)}`);
    }
  }

  /** The path of `key` below this reader, for problems. */
  pathOf(key: string): string {
    return this.base ? (key.startsWith("[") ? `${this.base}${key}` : `${this.base}.${key}`) : key;
  }

  error(key: string, message: string): void {
    this.problems.push({ path: key === "" ? this.base : this.pathOf(key), message, severity: "error" });
  }

  warn(key: string, message: string): void {
    this.problems.push({ path: key === "" ? this.base : this.pathOf(key), message, severity: "warning" });
  }

  has(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  /** The raw value of `key` (case-insensitive), marking it as known. */
  value(key: string): unknown {
    this.seen.set(key.toLowerCase(), key);
    return this.lookup(key);
  }

  string(key: string, opts: { required?: boolean } = {}): string | undefined {
    const v = this.value(key);
    if (v === undefined || v === null) {
      if (opts.required) this.error(key, "is required");
      return undefined;
    }
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    this.error(key, `expected a string, got ${describe(v)}`);
    return undefined;
  }

  bool(key: string, fallback = false): boolean {
    const v = this.value(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "false") return v === "true";
    this.error(key, `expected true or false, got ${describe(v)}`);
    return fallback;
  }

  number(key: string, opts: { min?: number; max?: number; integer?: boolean; required?: boolean } = {}): number | undefined {
    const v = this.value(key);
    if (v === undefined || v === null) {
      if (opts.required) this.error(key, "is required");
      return undefined;
    }
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
    const what = opts.integer ? "an integer" : "a number";
    if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n))) {
      this.error(key, `expected ${what}, got ${describe(v)}`);
      return undefined;
    }
    if (opts.min !== undefined && n < opts.min) {
      this.error(key, `expected ${what} >= ${opts.min}, got ${n}`);
      return undefined;
    }
    if (opts.max !== undefined && n > opts.max) {
      this.error(key, `expected ${what} <= ${opts.max}, got ${n}`);
      return undefined;
    }
    return n;
  }

  /** A Traefik duration (bare number = seconds) in milliseconds. */
  duration(key: string): number | undefined {
    const v = this.value(key);
    if (v === undefined || v === null) return undefined;
    const ms = typeof v === "string" || typeof v === "number" ? tryParseDuration(v) : undefined;
    if (ms === undefined || ms < 0) {
      this.error(key, `expected ${DURATION_EXPECTED}, got ${describe(v)}`);
      return undefined;
    }
    return ms;
  }

  /** A list of strings; a single string is split on commas. */
  stringList(key: string, opts: { required?: boolean } = {}): string[] {
    const v = this.value(key);
    if (v === undefined || v === null) {
      if (opts.required) this.error(key, "is required");
      return [];
    }
    if (typeof v === "string") return v.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (!Array.isArray(v)) {
      this.error(key, `expected a list of strings, got ${describe(v)}`);
      return [];
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item === "string" || typeof item === "number") out.push(String(item));
      else this.error(`${key}[${i}]`, `expected a string, got ${describe(item)}`);
    });
    return out;
  }

  /** A list of integers; strings like "500-599" are left to the caller via stringList. */
  numberList(key: string): number[] {
    const out: number[] = [];
    for (const [i, s] of this.stringList(key).entries()) {
      const n = Number(s);
      if (Number.isInteger(n)) out.push(n);
      else this.error(`${key}[${i}]`, `expected an integer, got ${JSON.stringify(s)}`);
    }
    return out;
  }

  /** A mapping of string to string (header maps). Keys keep their case. */
  stringMap(key: string): Record<string, string> {
    const v = this.value(key);
    if (v === undefined || v === null) return {};
    if (typeof v !== "object" || Array.isArray(v)) {
      this.error(key, `expected a mapping of names to strings, got ${describe(v)}`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, item] of Object.entries(v as Raw)) {
      if (item === null || item === undefined) out[k] = "";
      else if (typeof item === "string" || typeof item === "number" || typeof item === "boolean") out[k] = String(item);
      else this.error(`${key}.${k}`, `expected a string, got ${describe(item)}`);
    }
    return out;
  }

  /** A nested options block; problems land in the same list with a longer path. */
  section(key: string): OptionReader {
    return new OptionReader(this.value(key), this.pathOf(key), this.problems);
  }

  /** Warns about every key not read so far. Call once, after reading all options. */
  finish(): void {
    for (const k of Object.keys(this.raw)) {
      if (this.seen.has(k.toLowerCase())) continue;
      const hint = didYouMean(k, [...this.seen.values()]);
      this.warn(k, `unknown option "${k}"${hint ? ` (did you mean "${hint}"?)` : ""}, ignored`);
    }
  }

  hasErrors(): boolean {
    return this.problems.some((p) => p.severity !== "warning");
  }

  private lookup(key: string): unknown {
    if (key in this.raw) return this.raw[key];
    const lower = key.toLowerCase();
    for (const k of Object.keys(this.raw)) if (k.toLowerCase() === lower) return this.raw[k];
    return undefined;
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v !== null && typeof v === "object") return "a mapping";
  return JSON.stringify(v);
}
