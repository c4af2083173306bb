// Merge the configs of all providers into one, the way Traefik's aggregator
// does: every router, service, middleware, transport and TLS option/store is
// renamed `name@provider`, and unqualified references inside are qualified
// with the same provider. The `default` TLS option and store keep their name.
import type { Diagnostic } from "../diagnostic.ts";
import { rewriteMiddleware, rewriteRouter, rewriteService, type ReferenceKind } from "./references.ts";
import { deepEqual } from "./stable-json.ts";
import type {
  DynamicConfig,
  HttpConfig,
  MiddlewareConfig,
  RouterConfig,
  ServersTransportConfig,
  ServiceConfig,
  TlsConfig,
} from "./types.ts";

export { mergeFiles, type FileConfig } from "./merge-files.ts";

export interface Merged {
  config: DynamicConfig;
  diagnostics: Diagnostic[];
}

const DEFAULT = "default";
type HttpSection = keyof HttpConfig;
const SINGULAR: Record<HttpSection, string> = {
  routers: "router",
  services: "service",
  middlewares: "middleware",
  serversTransports: "servers transport",
};

/** `name@provider`, unless `name` already names its provider. */
export function qualifyName(name: string, provider: string): string {
  return name.includes("@") ? name : `${name}@${provider}`;
}

export function mergeProviders(byProvider: Map<string, DynamicConfig>): Merged {
  const diagnostics: Diagnostic[] = [];
  const http: Required<HttpConfig> = { routers: {}, services: {}, middlewares: {}, serversTransports: {} };
  const tls = new TlsMerger(diagnostics);

  for (const [provider, config] of byProvider) {
    // One string per qualified name, shared by the element's key and every reference to it.
    const qualified = new Map<string, string>();
    const qualify = (name: string): string => {
      let q = qualified.get(name);
      if (q === undefined) {
        q = qualifyName(name, provider);
        qualified.set(name, q);
      }
      return q;
    };
    const fn = (name: string, kind: ReferenceKind) => (kind === "tlsOption" && name === DEFAULT ? name : qualify(name));
    const add = <T>(section: HttpSection, rewrite: (v: T) => T) =>
      addQualified(http[section] as Record<string, T>, config.http?.[section] as Record<string, T> | undefined, section, qualify, rewrite, diagnostics, provider);
    add("routers", (r: RouterConfig) => rewriteRouter(r, fn));
    add("services", (s: ServiceConfig) => rewriteService(s, fn));
    add("middlewares", (m: MiddlewareConfig) => rewriteMiddleware(m, fn));
    add("serversTransports", (t: ServersTransportConfig) => t);
    if (config.tls) tls.add(provider, config.tls);
  }

  const config: DynamicConfig = {};
  const httpOut = Object.fromEntries(Object.entries(http).filter(([, v]) => Object.keys(v).length > 0)) as HttpConfig;
  if (Object.keys(httpOut).length > 0) config.http = httpOut;
  const tlsOut = tls.result();
  if (tlsOut) config.tls = tlsOut;
  return { config, diagnostics };
}

function addQualified<T>(
  target: Record<string, T>,
  source: Record<string, T> | undefined,
  section: HttpSection,
  qualify: (name: string) => string,
  rewrite: (v: T) => T,
  diagnostics: Diagnostic[],
  provider: string,
): void {
  for (const [name, element] of Object.entries(source ?? {})) {
    if (name.includes("@")) {
      diagnostics.push({
        severity: "error",
        path: `http.${section}.${name}`,
        message: `${SINGULAR[section]} name "${name}" from provider ${provider} contains "@", which only qualifies references; it is ignored`,
      });
      continue;
    }
    target[qualify(name)] = rewrite(element);
  }
}

/** TLS parts: certificates concatenated, options and stores qualified. */
class TlsMerger {
  private readonly certificates: NonNullable<TlsConfig["certificates"]> = [];
  private readonly options: NonNullable<TlsConfig["options"]> = {};
  private readonly stores: NonNullable<TlsConfig["stores"]> = {};
  /** Providers that defined `default`, per section, to detect conflicts. */
  private readonly defaults = { options: [] as string[], stores: [] as string[] };
  private readonly conflicting = new Set<"options" | "stores">();

  constructor(private readonly diagnostics: Diagnostic[]) {}

  add(provider: string, tls: TlsConfig): void {
    for (const cert of tls.certificates ?? []) {
      if (!this.certificates.some((c) => deepEqual(c, cert))) this.certificates.push(cert);
    }
    this.addNamed("options", provider, tls.options ?? {});
    this.addNamed("stores", provider, tls.stores ?? {});
  }

  private addNamed(kind: "options" | "stores", provider: string, named: Record<string, unknown>): void {
    const target = this[kind] as Record<string, unknown>;
    for (const [name, value] of Object.entries(named)) {
      if (name.includes("@")) {
        this.diagnostics.push({
          severity: "error",
          path: `tls.${kind}.${name}`,
          message: `TLS ${kind === "options" ? "option" : "store"} name "${name}" from provider ${provider} contains "@"; it is ignored`,
        });
        continue;
      }
      if (name !== DEFAULT) {
        target[`${name}@${provider}`] = value;
        continue;
      }
      const earlier = this.defaults[kind];
      earlier.push(provider);
      if (earlier.length === 1) target[DEFAULT] = value;
      else if (!this.conflicting.has(kind) && !deepEqual(target[DEFAULT], value)) {
        // As Traefik does: with two different defaults, neither is trusted.
        this.conflicting.add(kind);
        this.diagnostics.push({
          severity: "error",
          path: `tls.${kind}.default`,
          message: `the default TLS ${kind === "options" ? "option" : "store"} is defined differently by providers ${earlier.join(", ")}; the built-in default is used instead`,
        });
      }
    }
  }

  result(): TlsConfig | undefined {
    for (const kind of this.conflicting) delete (this[kind] as Record<string, unknown>)[DEFAULT];
    const out: TlsConfig = {};
    if (this.certificates.length > 0) out.certificates = this.certificates;
    if (Object.keys(this.options).length > 0) out.options = this.options;
    if (Object.keys(this.stores).length > 0) out.stores = this.stores;
    return Object.keys(out).length > 0 ? out : undefined;
  }
}
