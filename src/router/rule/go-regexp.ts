// Go (RE2) regular expressions are written in rules; Bun runs JavaScript
// RegExp. This translates the parts of the syntax that differ and rejects
// the parts JavaScript would accept but Go would not (lookarounds, backrefs),
// so a rule that `sluice check` accepts is one Traefik accepts too.

const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z", alpha: "A-Za-z", ascii: "\\x00-\\x7F", blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F", digit: "0-9", graph: "!-~", lower: "a-z", print: " -~",
  punct: "!-\\/:-@\\[-`{-~", space: "\\t\\n\\v\\f\\r ", upper: "A-Z", word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

// Characters that may be escaped in a JavaScript pattern even with the 'u' flag.
const JS_SYNTAX = new Set([..."^$\\.*+?()[]{}|/"]);
// Go's \s is ASCII-only; JavaScript's includes Unicode spaces.
const GO_SPACE = "\\t\\n\\f\\r ";
const SIMPLE = new Set([..."dDwWbBtnrfv"]);

function hex(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/** A literal character, escaped so it means itself in any JS regexp mode. */
function literal(ch: string): string {
  if (JS_SYNTAX.has(ch) || ch === "-") return ch === "-" ? "\\x2d" : `\\${ch}`;
  if (/[A-Za-z0-9_]/.test(ch) || ch.codePointAt(0)! > 0x7e) return ch;
  return hex(ch.codePointAt(0)!);
}

export interface TranslatedRegexp {
  source: string;
  flags: string;
}

export function translateGoRegexp(src: string): TranslatedRegexp {
  let out = "";
  let flags = "";
  let unicode = false;
  let i = 0;

  // A leading (?flags) applies to the whole pattern: map it to JS flags.
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]) {
      if (f === "U") throw new Error("the (?U) ungreedy flag is not supported");
      if (!flags.includes(f)) flags += f;
    }
    i = lead[0].length;
  }

  // Translates one escape at src[i] === "\\"; returns [text, next index].
  const escape = (inClass: boolean): [string, number] => {
    const e = src[i + 1];
    if (e === undefined) throw new Error("trailing backslash");
    if (SIMPLE.has(e)) return [`\\${e}`, i + 2];
    if (e === "s") return [inClass ? GO_SPACE : `[${GO_SPACE}]`, i + 2];
    if (e === "S") {
      if (inClass) throw new Error("\\S inside a character class is not supported");
      return [`[^${GO_SPACE}]`, i + 2];
    }
    if (e === "a") return ["\\x07", i + 2];
    if (e === "A" && !inClass) return ["(?<![\\s\\S])", i + 2];
    if (e === "z" && !inClass) return ["(?![\\s\\S])", i + 2];
    if (e === "Q") {
      const end = src.indexOf("\\E", i + 2);
      const text = src.slice(i + 2, end < 0 ? src.length : end);
      return [[...text].map(literal).join(""), end < 0 ? src.length : end + 2];
    }
    if (e === "p" || e === "P") {
      let name: string;
      let next: number;
      if (src[i + 2] === "{") {
        const close = src.indexOf("}", i + 3);
        if (close < 0) throw new Error("missing } in \\p{...}");
        name = src.slice(i + 3, close);
        next = close + 1;
      } else {
        name = src[i + 2] ?? "";
        next = i + 3;
      }
      let negate = e === "P";
      if (name.startsWith("^")) {
        negate = !negate;
        name = name.slice(1);
      }
      if (!/^[A-Za-z_]+$/.test(name)) throw new Error(`invalid Unicode class \\${e}{${name}}`);
      unicode = true;
      // One or two letters name a general category; longer names are scripts.
      const prop = name.length <= 2 ? name : `Script=${name}`;
      return [`\\${negate ? "P" : "p"}{${prop}}`, next];
    }
    if (e === "x") {
      if (src[i + 2] === "{") {
        const close = src.indexOf("}", i + 3);
        const digits = close < 0 ? "" : src.slice(i + 3, close);
        if (!/^[0-9a-fA-F]{1,6}$/.test(digits)) throw new Error("invalid \\x{...} escape");
        unicode = true;
        return [hex(parseInt(digits, 16)), close + 1];
      }
      const digits = src.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(digits)) throw new Error("invalid \\x escape");
      return [`\\x${digits}`, i + 4];
    }
    if (e >= "0" && e <= "7") {
      // Go reads \0, \0d, \0dd and \ddd (two or more digits) as octal; a lone \1 is a backreference.
      const m = /^[0-7]{1,3}/.exec(src.slice(i + 1))![0];
      if (e !== "0" && m.length < 2) throw new Error(`backreferences (\\${e}) are not supported`);
      return [hex(parseInt(m, 8)), i + 1 + m.length];
    }
    if (e === "8" || e === "9") throw new Error(`backreferences (\\${e}) are not supported`);
    if (/[A-Za-z]/.test(e)) throw new Error(`invalid escape sequence \\${e}`);
    return [literal(e), i + 2];
  };

  while (i < src.length) {
    const c = src[i];
    if (c === "\\") {
      const [text, next] = escape(false);
      out += text;
      i = next;
    } else if (c === "[") {
      out += "[";
      i++;
      if (src[i] === "^") {
        out += "^";
        i++;
      }
      // In Go a ']' right after '[' or '[^' is a literal.
      if (src[i] === "]") {
        out += "\\]";
        i++;
      }
      let closed = false;
      while (i < src.length) {
        const d = src[i];
        if (d === "]") {
          closed = true;
          i++;
          break;
        }
        if (d === "[" && src[i + 1] === ":") {
          const end = src.indexOf(":]", i + 2);
          const name = end < 0 ? "" : src.slice(i + 2, end);
          if (name.startsWith("^")) throw new Error(`negated POSIX class [:${name}:] is not supported`);
          const range = POSIX_CLASSES[name];
          if (range === undefined) throw new Error(`invalid character class [:${name}:]`);
          out += range;
          i = end + 2;
        } else if (d === "\\") {
          const [text, next] = escape(true);
          out += text;
          i = next;
        } else if (d === "[") {
          out += "\\[";
          i++;
        } else {
          out += d;
          i++;
        }
      }
      if (!closed) throw new Error("missing closing ]");
      out += "]";
    } else if (c === "(" && src[i + 1] === "?") {
      const rest = src.slice(i + 2);
      const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      if (named) {
        out += `(?<${named[1]}>`;
        i += 2 + named[0].length;
      } else if (rest.startsWith(":")) {
        out += "(?:";
        i += 3;
      } else if (/^(=|!|<=|<!)/.test(rest)) {
        throw new Error("lookaround assertions are not supported by Go regexp");
      } else {
        const mod = /^([ims]*)(?:-([ims]*))?:/.exec(rest);
        if (!mod) throw new Error("flags such as (?i) are only supported at the start of the regexp");
        // (?i:...) scoped modifiers: JavaScript supports the same form.
        out += `(?${mod[0]}`;
        i += 2 + mod[0].length;
      }
    } else if (c === "]" || c === "}") {
      // Literal in Go; escaped so the 'u' flag (if used) accepts it.
      out += `\\${c}`;
      i++;
    } else if (c === "{" && !/^\{\d+(,\d*)?\}/.test(src.slice(i))) {
      out += "\\{";
      i++;
    } else if (c === "{") {
      // A valid repeat: copy it whole so its '}' is not escaped.
      const end = src.indexOf("}", i);
      out += src.slice(i, end + 1);
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return { source: out, flags: unicode ? flags + "u" : flags };
}

/** Compiles a Go regexp into a JS RegExp; throws an Error naming the problem. */
export function compileGoRegexp(src: string): RegExp {
  try {
    const { source, flags } = translateGoRegexp(src);
    return new RegExp(source, flags);
  } catch (err) {
    throw new Error(`invalid regexp ${JSON.stringify(src)}: ${(err as Error).message}`);
  }
}
