// Go's time.Duration.String, for the X-Retry-In header Traefik sends with a
// 429 ("4.999ms", "1m0s"): the same text lets clients that parse it keep working.

/** Formats a whole number of nanoseconds the way Go prints a Duration. */
export function formatGoDuration(nanoseconds: number): string {
  let ns = Math.trunc(nanoseconds);
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  ns = Math.abs(ns);
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${decimal(ns, 3)}µs`;
  if (ns < 1e9) return `${sign}${decimal(ns, 6)}ms`;
  const hours = Math.floor(ns / 3.6e12);
  ns -= hours * 3.6e12;
  const minutes = Math.floor(ns / 6e10);
  ns -= minutes * 6e10;
  const h = hours > 0 ? `${hours}h` : "";
  const m = hours > 0 || minutes > 0 ? `${minutes}m` : "";
  return `${sign}${h}${m}${decimal(ns, 9)}s`;
}

/** `value / 10^digits` with the fraction's trailing zeros dropped. */
function decimal(value: number, digits: number): string {
  const div = 10 ** digits;
  const whole = Math.floor(value / div);
  const rest = value - whole * div;
  if (rest === 0) return String(whole);
  return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`;
}
