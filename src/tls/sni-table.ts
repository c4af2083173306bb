// Values by certificate name, looked up by a TLS server name or host the way
// SNI selection works: the exact name first, then a one-label wildcard
// (`*.example.com` covers `a.example.com`, not `example.com` nor `a.b.example.com`).

export class SniTable<T> {
  private readonly exact = new Map<string, T>();
  private readonly wildcard = new Map<string, T>();

  /** `name` as a certificate carries it (lower-case; `*.` for a wildcard). */
  set(name: string, value: T): void {
    if (name.startsWith("*.")) this.wildcard.set(name.slice(2), value);
    else this.exact.set(name, value);
  }

  get(host: string): T | undefined {
    const h = host.toLowerCase();
    const hit = this.exact.get(h);
    if (hit !== undefined) return hit;
    const dot = h.indexOf(".");
    return dot > 0 ? this.wildcard.get(h.slice(dot + 1)) : undefined;
  }
}
