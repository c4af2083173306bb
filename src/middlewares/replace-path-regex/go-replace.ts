// Traefik expands replacements with Go's regexp.ReplaceAllString, whose
// template syntax is not JavaScript's: `$1`, `${1}`, `$name`, `${name}` and
// `$$`, where `$name` takes the longest run of letters, digits and `_` (so
// `$1x` is the group named "1x", which expands to nothing). Empty matches
// right after a match are skipped, as Go does. Config written for Traefik
// must rewrite the same way here, so both are reproduced.

type Part = string | { num: number } | { name: string };

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

export class GoReplacer {
  private readonly re: RegExp;
  private readonly parts: Part[];
  /** References to groups the regexp does not have (they expand to ""). */
  readonly unknownRefs: string[] = [];

  constructor(re: RegExp, template: string) {
    this.re = new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`);
    this.parts = parseTemplate(template);
    const probe = new RegExp(`(?:${re.source})|`, re.flags.replace("g", "")).exec("")!;
    const groups = probe.length - 1;
    const names = new Set(Object.keys(probe.groups ?? {}));
    for (const p of this.parts) {
      if (typeof p === "string") continue;
      if ("num" in p ? p.num > groups : !names.has(p.name)) this.unknownRefs.push("num" in p ? `$${p.num}` : `$${p.name}`);
    }
  }

  /** `src` with every match replaced, as Go's ReplaceAllString. */
  replace(src: string): string {
    const re = this.re;
    let out = "";
    let lastEnd = 0;
    let pos = 0;
    while (pos <= src.length) {
      re.lastIndex = pos;
      const m = re.exec(src);
      if (!m) break;
      const start = m.index;
      const end = start + m[0].length;
      out += src.slice(lastEnd, start);
      // No replacement for an empty match abutting the previous match.
      if (end > lastEnd || start === 0) out += this.expand(m);
      lastEnd = end;
      // Always advance by at least one character.
      const width = pos < src.length ? ((src.codePointAt(pos) ?? 0) > 0xffff ? 2 : 1) : 0;
      if (pos + width > end) pos += width;
      else if (pos + 1 > end) pos++;
      else pos = end;
    }
    return out + src.slice(lastEnd);
  }

  private expand(m: RegExpExecArray): string {
    let s = "";
    for (const p of this.parts) {
      if (typeof p === "string") s += p;
      else if ("num" in p) s += m[p.num] ?? "";
      else s += m.groups?.[p.name] ?? "";
    }
    return s;
  }
}

/** Splits a Go replacement template into literal text and group references. */
function parseTemplate(template: string): Part[] {
  const parts: Part[] = [];
  let text = "";
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    if (c !== "$") {
      text += c;
      i++;
      continue;
    }
    if (template[i + 1] === "$") {
      text += "$";
      i += 2;
      continue;
    }
    const ref = readRef(template, i + 1);
    if (!ref) {
      text += "$"; // malformed: Go keeps the "$" as text
      i++;
      continue;
    }
    if (text) parts.push(text);
    text = "";
    parts.push(refPart(ref.name));
    i = ref.next;
  }
  if (text) parts.push(text);
  return parts;
}

function readRef(t: string, at: number): { name: string; next: number } | null {
  const brace = t[at] === "{";
  let j = brace ? at + 1 : at;
  const from = j;
  while (j < t.length) {
    const cp = t.codePointAt(j)!;
    const ch = String.fromCodePoint(cp);
    if (!NAME_CHAR.test(ch)) break;
    j += ch.length;
  }
  if (j === from) return null;
  if (brace) {
    if (t[j] !== "}") return null;
    return { name: t.slice(from, j), next: j + 1 };
  }
  return { name: t.slice(from, j), next: j };
}

function refPart(name: string): Part {
  // Go reads an all-digit name as a group number, without leading zeros and at most 9 digits.
  if (/^\d+$/.test(name) && !(name.length > 1 && name[0] === "0") && name.length <= 9) return { num: Number(name) };
  return { name };
}

/** A warning for references that expand to nothing, or null. */
export function unknownRefsWarning(r: GoReplacer): string | null {
  if (r.unknownRefs.length === 0) return null;
  const list = r.unknownRefs.map((x) => JSON.stringify(x)).join(", ");
  return `${list} name${r.unknownRefs.length > 1 ? "" : "s"} no group of the regex and expands to "" (Go reads the longest name: write "\${1}x", not "$1x")`;
}
