import type { HeaderList } from "./http1-head.ts";

// Field lookups on the raw front's header list (names as sent, compared
// case-insensitively), used by routing (Header matchers) and middlewares.

/** Is the field name as sent `lower` (a lower-case name)? */
export function sameField(sent: string, lower: string): boolean {
  return sent.length === lower.length && (sent === lower || sent.toLowerCase() === lower);
}

/** The field's values joined by ", " (as Headers.get), or null. */
export function getHeader(list: HeaderList, name: string): string | null {
  const lower = name.toLowerCase();
  let value: string | null = null;
  for (let i = 0; i < list.length; i++) {
    if (sameField(list[i][0], lower)) value = value === null ? list[i][1] : `${value}, ${list[i][1]}`;
  }
  return value;
}

/** Request headers as the Request path (Headers) or the raw front (field list) holds them. */
export type HeaderSource = Headers | HeaderList;

/** One field's value from either form (values joined by ", " as Headers.get joins them), or null. */
export function headerFrom(source: HeaderSource, name: string): string | null {
  return Array.isArray(source) ? getHeader(source, name) : source.get(name);
}

export function deleteHeader(list: HeaderList, name: string): void {
  const lower = name.toLowerCase();
  for (let i = list.length - 1; i >= 0; i--) if (sameField(list[i][0], lower)) list.splice(i, 1);
}

/** Replaces every value of the field with `value`. */
export function setHeader(list: HeaderList, name: string, value: string): void {
  deleteHeader(list, name);
  list.push([name, value]);
}
