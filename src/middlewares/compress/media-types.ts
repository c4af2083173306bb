// excludedContentTypes / includedContentTypes: media types compared
// case-insensitively with whitespace ignored, as Traefik does. An entry with
// parameters (`text/plain; charset=utf-8`) matches only a Content-Type with
// those parameters; an entry without matches any parameters.
// gRPC and server-sent events are never compressed: gRPC frames its own
// compression, and an event stream must not wait in a compressor's buffer
// (Traefik excludes application/grpc only; Sluice adds text/event-stream).

interface MediaType {
  type: string;
  params: Map<string, string>;
}

const ALWAYS_EXCLUDED = ["application/grpc", "text/event-stream"];

export function parseMediaType(value: string): MediaType | null {
  const [main, ...rest] = value.replace(/\s+/g, "").toLowerCase().split(";");
  if (!main || !/^[a-z0-9!#$%&'*+.^_`|~-]+\/[a-z0-9!#$%&'*+.^_`|~-]+$/.test(main)) return null;
  const params = new Map<string, string>();
  for (const p of rest) {
    if (p === "") continue;
    const eq = p.indexOf("=");
    if (eq <= 0) return null;
    params.set(p.slice(0, eq), p.slice(eq + 1).replace(/^"(.*)"$/, "$1"));
  }
  return { type: main, params };
}

function matches(entry: MediaType, actual: MediaType): boolean {
  if (entry.type !== actual.type) return false;
  for (const [k, v] of entry.params) if (actual.params.get(k) !== v) return false;
  return true;
}

export class MediaTypeList {
  private constructor(private readonly mode: "exclude" | "include", private readonly entries: MediaType[]) {}

  /** `onError(index, why)` is called for each entry that is not a media type. */
  static build(mode: "exclude" | "include", values: string[], onError: (index: number, why: string) => void): MediaTypeList {
    const entries: MediaType[] = [];
    values.forEach((v, i) => {
      const parsed = parseMediaType(v);
      if (parsed) entries.push(parsed);
      else onError(i, `${JSON.stringify(v)} is not a media type like "text/html"`);
    });
    return new MediaTypeList(mode, entries);
  }

  /** Whether a response with this Content-Type may be compressed. */
  allows(contentType: string | null): boolean {
    const actual = contentType ? parseMediaType(contentType) : null;
    if (actual && ALWAYS_EXCLUDED.some((t) => actual.type === t || actual.type.startsWith(`${t}+`))) return false;
    if (this.mode === "include" && this.entries.length > 0) return actual !== null && this.entries.some((e) => matches(e, actual));
    return actual === null || !this.entries.some((e) => matches(e, actual));
  }
}
