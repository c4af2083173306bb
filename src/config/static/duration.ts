// Durations as Traefik reads them (paerser's types.Duration): a bare integer
// means seconds, anything else is a Go duration string ("1m30s", "100ms").
// Result is in milliseconds; sub-millisecond units give fractions.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3, // U+00B5 micro sign
  "μs": 1e-3, // U+03BC greek mu, also accepted by Go
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const BARE_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const GO_PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

export const DURATION_EXPECTED = 'a duration like "10s", "1m30s", "100ms" or a number of seconds';

/** Parses a Traefik duration to milliseconds; throws an Error saying what was expected. */
export function parseDuration(v: string | number): number {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`invalid duration ${v}: expected ${DURATION_EXPECTED}`);
    return v * 1000;
  }
  const s = v.trim();
  if (BARE_NUMBER.test(s)) return Number(s) * 1000;
  const ms = parseGoDuration(s);
  if (ms === undefined) throw new Error(`invalid duration "${v}": expected ${DURATION_EXPECTED}`);
  return ms;
}

/** Go's time.ParseDuration grammar: [sign] (number unit)+, or "0". */
function parseGoDuration(s: string): number | undefined {
  let rest = s;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "") return undefined;
  let total = 0;
  while (rest !== "") {
    const m = GO_PART.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/** Like parseDuration but returns undefined instead of throwing. */
export function tryParseDuration(v: string | number): number | undefined {
  try {
    return parseDuration(v);
  } catch {
    return undefined;
  }
}
