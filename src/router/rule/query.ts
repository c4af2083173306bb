// Query strings are parsed only when a Query matcher runs, and at most once
// per distinct raw query: the last result is memoised, so several Query
// matchers (or several routes) looking at one request share one parse.
// Parsing follows Go's url.ParseQuery: '&' separates pairs, a pair with ';'
// is dropped, '+' is a space, and a pair with a bad %-escape is dropped.

export type QueryValues = ReadonlyMap<string, readonly string[]>;

const EMPTY: QueryValues = new Map();
let lastRaw = "";
let lastParsed: QueryValues = EMPTY;

function unescape(s: string): string | null {
  const plus = s.includes("+") ? s.replaceAll("+", " ") : s;
  if (!plus.includes("%")) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return null;
  }
}

export function parseQuery(raw: string): QueryValues {
  const out = new Map<string, string[]>();
  for (const pair of raw.split("&")) {
    if (pair === "" || pair.includes(";")) continue;
    const eq = pair.indexOf("=");
    const key = unescape(eq < 0 ? pair : pair.slice(0, eq));
    const value = unescape(eq < 0 ? "" : pair.slice(eq + 1));
    if (key === null || value === null) continue;
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  }
  return out;
}

export function queryValues(raw: string): QueryValues {
  if (raw === "") return EMPTY;
  if (raw !== lastRaw) {
    lastParsed = parseQuery(raw);
    lastRaw = raw;
  }
  return lastParsed;
}

/**
 * gorilla/mux (v2 `Query(k=v)`) looks at the first occurrence of a key only,
 * with its value unescaped; null when the key is absent.
 */
export function firstQueryValue(raw: string, key: string): string | null {
  const values = queryValues(raw).get(key);
  return values ? values[0] : null;
}
