import type { TLSOptions } from "bun";
import type { Diagnostic } from "../config/diagnostic.ts";
import type { TlsConfig } from "../config/dynamic/types.ts";
import { loadCertificate, nameCovers, type LoadedCertificate } from "./certificate.ts";
import { SniTable } from "./sni-table.ts";
import { compileTlsOptions, type ClientAuthType, type CompiledTlsOptions } from "./tls-options.ts";

// What one TLS entrypoint's Bun.serve needs: an SNI table (the first entry
// is the default certificate, which Bun gives to unknown names), per-host
// client-auth policy from the routers' tls.options, and listener-wide
// versions/ciphers. The fingerprint tells the entrypoint whether a new
// generation needs a new listener.

/** One SNI entry in Bun's TLSOptions shape, plus the Traefik client-auth policy for fronts that check it themselves. */
export type SniEntry = TLSOptions & { clientAuthType?: ClientAuthType };

export interface TlsListenerSpec {
  /** The first is the default (unknown names, no SNI). */
  entries: SniEntry[];
  /** Listener-wide: protocol versions ("no TLSvX" bits) and TLS 1.2 ciphers. */
  secureOptions: number;
  ciphers?: string;
  /** Key exchange groups (node's ecdhCurve); BoringSSL takes them from the listener, not from the SNI context. */
  ecdhCurve?: string;
  sniStrict: boolean;
  http2: boolean;
  /**
   * sniStrict: the names a certificate covers. Bun gives unknown names the
   * default entry and keeps that entry's verify mode after an SNI switch, so
   * the handshake cannot be refused per name; requests for other hosts are
   * answered 421 Misdirected Request instead.
   */
  strictNames?: SniTable<true>;
  fingerprint: string;
}

export interface TlsRouterInfo {
  router: string;
  /** Exact host names of the router's rule (empty when the rule has none). */
  hosts: string[];
  /** Qualified TLS option name, or undefined for `default`. */
  options?: string;
}

export interface TlsInput {
  tls: TlsConfig | undefined;
  /** Per TLS entrypoint: its routers, and the option its `http.tls` names. */
  entryPoints: Map<string, { routers: TlsRouterInfo[]; options?: string }>;
  /** Certificates from ACME resolvers. */
  extraCertificates: LoadedCertificate[];
  generatedDefault: LoadedCertificate;
}

export function buildTlsListeners(input: TlsInput): { specs: Map<string, TlsListenerSpec>; diagnostics: Diagnostic[]; certificates: LoadedCertificate[] } {
  const diagnostics: Diagnostic[] = [];
  const certs = [...loadConfigured(input.tls, diagnostics), ...input.extraCertificates];
  const defaultCert = loadDefault(input.tls, diagnostics) ?? input.generatedDefault;
  const options = compileAllOptions(input.tls, diagnostics);
  const specs = new Map<string, TlsListenerSpec>();
  for (const [ep, info] of input.entryPoints) {
    const listenerName = info.options ?? "default";
    const listener = options.get(listenerName) ?? options.get("default")!;
    if (!options.has(listenerName)) diagnostics.push({ severity: "error", path: `entryPoints.${ep}.http.tls.options`, message: `TLS option "${listenerName}" does not exist; the default applies` });
    specs.set(ep, buildSpec(ep, info.routers, certs, defaultCert, listener, options, diagnostics));
  }
  return { specs, diagnostics, certificates: [...certs, defaultCert] };
}

function buildSpec(
  ep: string,
  routers: TlsRouterInfo[],
  certs: LoadedCertificate[],
  defaultCert: LoadedCertificate,
  listener: CompiledTlsOptions,
  options: Map<string, CompiledTlsOptions>,
  diagnostics: Diagnostic[],
): TlsListenerSpec {
  const common = { secureOptions: listener.secureOptions, ...(listener.ciphers ? { ciphers: listener.ciphers } : {}) };
  // Client-auth policy per host, from the routers that name an option.
  const hostOptions = new Map<string, CompiledTlsOptions>();
  for (const r of routers) {
    const name = r.options ?? "default";
    const opt = options.get(name);
    if (!opt) {
      diagnostics.push({ severity: "error", path: `http.routers.${r.router}.tls.options`, message: `router ${r.router}: TLS option "${name}" does not exist; the default applies` });
      continue;
    }
    if (opt !== listener && opt.fingerprint !== listener.fingerprint && listenerWide(opt) !== listenerWide(listener)) {
      diagnostics.push({
        severity: "warning",
        path: `http.routers.${r.router}.tls.options`,
        message: `router ${r.router}: TLS option "${name}" sets versions, cipher suites, curves, session tickets, sniStrict or ALPN, which apply per listener in Sluice; entrypoint ${ep} uses those of its own option; client authentication of "${name}" still applies to this router's hosts`,
      });
    }
    for (const h of r.hosts) hostOptions.set(h, opt);
  }
  const entries: SniEntry[] = [];
  const defaultEntry: SniEntry = { cert: defaultCert.certPem, key: defaultCert.keyPem, ...common, ...clientAuth(listener) };
  entries.push(defaultEntry);
  const names = new Set<string>();
  for (const c of certs) for (const n of c.names) names.add(n);
  for (const h of hostOptions.keys()) names.add(h);
  for (const name of [...names].sort()) {
    const cert = bestCertificate(certs, name);
    if (!cert) continue; // a router host no certificate covers gets the default one
    const opt = hostOptions.get(name) ?? listener;
    entries.push({ serverName: name, cert: cert.certPem, key: cert.keyPem, ...common, ...clientAuth(opt) });
  }
  const fingerprint = JSON.stringify([listener.fingerprint, entries.map((e) => [e.serverName ?? "", e.cert, e.clientAuthType ?? "", e.ca ?? []])]);
  let strictNames: SniTable<true> | undefined;
  if (listener.sniStrict) {
    strictNames = new SniTable<true>();
    for (const c of certs) for (const n of c.names) strictNames.set(n, true);
  }
  if (listener.ecdhCurve && process.env.SLUICE_FRONT === "serve") {
    diagnostics.push({ severity: "warning", path: `entryPoints.${ep}.http.tls.options`, message: `curvePreferences is not applied with SLUICE_FRONT=serve (Bun.serve has no curve setting); the default front applies it` });
  }
  return { entries, secureOptions: listener.secureOptions, ciphers: listener.ciphers, ecdhCurve: listener.ecdhCurve, sniStrict: listener.sniStrict, http2: listener.http2, strictNames, fingerprint };
}

function listenerWide(o: CompiledTlsOptions): string {
  return JSON.stringify([o.secureOptions, o.ciphers ?? "", o.ecdhCurve ?? "", o.sniStrict, o.http2]);
}

function clientAuth(o: CompiledTlsOptions): Partial<SniEntry> {
  if (!o.clientAuth) return {};
  return { ca: o.clientAuth.ca, requestCert: true, rejectUnauthorized: o.clientAuth.rejectUnauthorized, clientAuthType: o.clientAuth.type };
}

/** The entries as Bun.serve takes them. */
export function bunTlsEntries(spec: TlsListenerSpec): TLSOptions[] {
  return spec.entries.map(({ clientAuthType: _, ...e }) => e);
}

/** The certificate for `name`: an exact name beats a wildcard; then the one valid longest. */
function bestCertificate(certs: LoadedCertificate[], name: string): LoadedCertificate | undefined {
  let best: LoadedCertificate | undefined;
  let bestScore = -1;
  for (const c of certs) {
    const exact = c.names.includes(name);
    if (!exact && !c.names.some((n) => nameCovers(n, name))) continue;
    const score = (exact ? 2 : 1) * 1e15 + c.notAfter.getTime();
    if (score > bestScore) [best, bestScore] = [c, score];
  }
  return best;
}

function loadConfigured(tls: TlsConfig | undefined, diagnostics: Diagnostic[]): LoadedCertificate[] {
  const out: LoadedCertificate[] = [];
  (tls?.certificates ?? []).forEach((c, i) => {
    try {
      out.push(loadCertificate(c.certFile, c.keyFile));
    } catch (e) {
      diagnostics.push({ severity: "error", path: `tls.certificates[${i}]`, message: `certificate not loaded: ${(e as Error).message}` });
    }
  });
  return out;
}

function loadDefault(tls: TlsConfig | undefined, diagnostics: Diagnostic[]): LoadedCertificate | undefined {
  const def = tls?.stores?.default?.defaultCertificate;
  if (!def) return undefined;
  try {
    return loadCertificate(def.certFile, def.keyFile);
  } catch (e) {
    diagnostics.push({ severity: "error", path: "tls.stores.default.defaultCertificate", message: `default certificate not loaded, a generated one is used: ${(e as Error).message}` });
    return undefined;
  }
}

function compileAllOptions(tls: TlsConfig | undefined, diagnostics: Diagnostic[]): Map<string, CompiledTlsOptions> {
  const out = new Map<string, CompiledTlsOptions>();
  const raw = { default: {}, ...(tls?.options ?? {}) };
  for (const [name, value] of Object.entries(raw)) {
    const { options, problems } = compileTlsOptions(value as Record<string, unknown>);
    for (const p of problems) {
      diagnostics.push({ severity: p.severity ?? "error", path: `tls.options.${name}${p.path ? `.${p.path}` : ""}`, message: `TLS option ${name}: ${p.path ? `${p.path}: ` : ""}${p.message}` });
    }
    if (options) out.set(name, options);
  }
  if (!out.has("default")) out.set("default", compileTlsOptions({}).options!);
  return out;
}
