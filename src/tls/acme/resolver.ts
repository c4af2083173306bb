// One certificate resolver as the manager runs it: its config checked at
// start, its DNS provider, its storage and (once registered) its ACME client.
import type * as acme from "acme-client";
import type { CertificateResolverConfig } from "../../config/static/types.ts";
import type { Logger } from "../../observability/logger.ts";
import { cloudflareFromEnv, type CloudflareSettings } from "./dns/cloudflare.ts";
import type { Env } from "./dns/env.ts";
import type { DnsProvider } from "./dns/provider.ts";
import { KEY_TYPES } from "./keys.ts";
import type { AcmeStorage } from "./storage.ts";

type AcmeConfig = NonNullable<CertificateResolverConfig["acme"]>;

export interface DnsRuntime {
  provider: DnsProvider;
  settings: CloudflareSettings;
  delayBeforeCheckMs: number;
  resolvers: string[];
  disablePropagationCheck: boolean;
}

export interface ResolverRuntime {
  name: string;
  email: string;
  caServer: string;
  keyType: string;
  preferredChain?: string;
  eab?: { kid: string; hmacEncoded: string };
  certificatesDurationHours: number;
  http: boolean;
  dns?: DnsRuntime;
  storage: AcmeStorage;
  log: Logger;
  /** Why this resolver cannot order; undefined when it can. */
  disabled?: string;
  /** Registered client, kept across orders; dropped when the CA forgets the account. */
  client?: acme.Client;
  /** The account registration in progress: parallel orders share it instead of each creating an account. */
  registering?: Promise<acme.Client>;
}

const LE_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";

export function buildResolver(name: string, cfg: AcmeConfig, storage: AcmeStorage, env: Env, log: Logger): { rt: ResolverRuntime; problems: string[] } {
  const problems: string[] = [];
  const rt: ResolverRuntime = {
    name,
    email: cfg.email ?? "",
    caServer: cfg.caServer || LE_PRODUCTION,
    keyType: cfg.keyType || "RSA4096",
    preferredChain: cfg.preferredChain || undefined,
    eab: cfg.eab?.kid && cfg.eab.hmacEncoded ? cfg.eab : undefined,
    certificatesDurationHours: cfg.certificatesDuration && cfg.certificatesDuration > 0 ? cfg.certificatesDuration : 2160,
    http: !!cfg.httpChallenge,
    storage,
    log: log.child({ resolver: name }),
  };
  const disable = (msg: string) => {
    const full = `certificatesResolvers.${name}.acme: ${msg}`;
    problems.push(full);
    rt.disabled ??= full;
  };
  if (!(KEY_TYPES as readonly string[]).includes(rt.keyType)) disable(`unknown keyType "${rt.keyType}" (${KEY_TYPES.join(", ")})`);
  if (cfg.tlsChallenge) {
    const msg =
      "tlsChallenge (TLS-ALPN-01) is not supported: Bun.serve has no ALPN callback to answer the acme-tls/1 protocol, and the node:tls path that has one costs about 35% throughput; use httpChallenge or dnsChallenge";
    if (!cfg.httpChallenge && !cfg.dnsChallenge) disable(msg);
    else problems.push(`certificatesResolvers.${name}.acme: ${msg} (ignored; the other challenge is used)`);
  }
  if (cfg.dnsChallenge) {
    const d = cfg.dnsChallenge;
    if (d.provider !== "cloudflare") {
      disable(`dnsChallenge provider "${d.provider}" is not supported (supported: cloudflare)`);
    } else {
      try {
        const { provider, settings } = cloudflareFromEnv(env);
        rt.dns = {
          provider,
          settings,
          delayBeforeCheckMs: d.delayBeforeCheckMs ?? 0,
          resolvers: d.resolvers ?? [],
          disablePropagationCheck: d.disablePropagationCheck ?? false,
        };
      } catch (err) {
        disable((err as Error).message);
      }
    }
  }
  if (!cfg.httpChallenge && !cfg.dnsChallenge && !cfg.tlsChallenge) disable("no challenge configured; set httpChallenge or dnsChallenge");
  if (storage.problem) disable(storage.problem);
  return { rt, problems };
}
