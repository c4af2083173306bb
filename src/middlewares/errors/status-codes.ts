import type { OptionReader } from "../options.ts";

// Status lists of the errors middleware, parsed once into lookup tables:
// `status: ["500-599", "404", "401,403"]` and v3's
// `statusRewrites: {"418": 404, "502-504": 500}`. Per request a caught status
// is one array read.

const MIN = 100;
const MAX = 999;

interface Range {
  from: number;
  to: number;
}

/** `status`: which codes are caught. Items may hold several entries separated by commas, as labels do. */
export function readCaughtStatuses(o: OptionReader, key: string): Uint8Array {
  const table = new Uint8Array(MAX + 1);
  o.stringList(key).forEach((item, i) => {
    for (const part of item.split(",")) {
      const range = parseRange(part.trim());
      if (typeof range === "string") o.error(`${key}[${i}]`, range);
      else table.fill(1, range.from, range.to + 1);
    }
  });
  return table;
}

/**
 * `statusRewrites`: the code to answer instead of a caught one (0 = keep it).
 * Overlaps are decided here, not by chance as with Go's map order: single
 * codes come first (JS orders integer keys first), then ranges in order.
 */
export function readStatusRewrites(o: OptionReader, key: string): Uint16Array | null {
  const map = o.stringMap(key);
  const entries = Object.entries(map);
  if (entries.length === 0) return null;
  const table = new Uint16Array(MAX + 1);
  for (const [from, to] of entries) {
    const range = parseRange(from.trim());
    if (typeof range === "string") {
      o.error(`${key}.${from}`, range);
      continue;
    }
    const code = Number(to);
    // A Response cannot carry a 1xx status, so rewrites go to 200-599.
    if (!Number.isInteger(code) || code < 200 || code > 599) {
      o.error(`${key}.${from}`, `expected a status code from 200 to 599, got ${JSON.stringify(to)}`);
      continue;
    }
    for (let c = range.from; c <= range.to; c++) if (table[c] === 0) table[c] = code;
  }
  return table;
}

function parseRange(text: string): Range | string {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return `expected a status code or a range like "500-599", got ${JSON.stringify(text)}`;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < MIN || to > MAX) return `status codes go from ${MIN} to ${MAX}, got ${JSON.stringify(text)}`;
  if (from > to) return `range ${JSON.stringify(text)} ends before it starts`;
  return { from, to };
}
