// v2 templates in the gorilla/mux style: `/users/{id:[0-9]+}` or
// `{sub}.example.com`. Literal parts are quoted; `{name}` alone takes the
// default pattern ([^/]+ for paths, [^.]+ for hosts). The result is a Go
// regexp anchored at the start, and at the end unless it is a prefix.

export type TemplateKind = "path" | "prefix" | "host" | "query";

const GO_META = new Set([..."\\.+*?()|[]{}^$"]);

function quoteMeta(s: string): string {
  let out = "";
  for (const c of s) out += GO_META.has(c) ? `\\${c}` : c;
  return out;
}

/** Offsets of top-level `{` ... `}` pairs (nested braces allowed inside). */
function braceIndices(tpl: string): number[] {
  const idxs: number[] = [];
  let level = 0;
  let start = 0;
  for (let i = 0; i < tpl.length; i++) {
    if (tpl[i] === "{") {
      if (level++ === 0) start = i;
    } else if (tpl[i] === "}") {
      if (--level === 0) idxs.push(start, i + 1);
      else if (level < 0) throw new Error(`unbalanced braces in ${JSON.stringify(tpl)}`);
    }
  }
  if (level !== 0) throw new Error(`unbalanced braces in ${JSON.stringify(tpl)}`);
  return idxs;
}

export function hasPlaceholder(tpl: string): boolean {
  return tpl.includes("{");
}

export function templateToGoRegexp(tpl: string, kind: TemplateKind): string {
  const idxs = braceIndices(tpl);
  const defaultPattern = kind === "host" ? "[^.]+" : kind === "query" ? ".*" : "[^/]+";
  let pattern = "^";
  let end = 0;
  for (let i = 0; i < idxs.length; i += 2) {
    pattern += quoteMeta(tpl.slice(end, idxs[i]));
    const inner = tpl.slice(idxs[i] + 1, idxs[i + 1] - 1);
    end = idxs[i + 1];
    const colon = inner.indexOf(":");
    const name = colon < 0 ? inner : inner.slice(0, colon);
    const patt = colon < 0 ? defaultPattern : inner.slice(colon + 1);
    if (name === "" || patt === "") {
      throw new Error(`missing name or pattern in ${JSON.stringify(tpl.slice(idxs[i], end))}`);
    }
    pattern += `(?:${patt})`;
  }
  pattern += quoteMeta(tpl.slice(end));
  if (kind === "query" && tpl.endsWith("=")) pattern += defaultPattern;
  if (kind !== "prefix") pattern += "$";
  return pattern;
}
