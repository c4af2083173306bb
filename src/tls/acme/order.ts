// One certificate order for one domain set: account, key, CSR, challenges
// (HTTP-01 tokens handed to the entrypoint, DNS-01 records through the
// provider with our own propagation check), finalize, download.
import { getServers } from "node:dns";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import * as acme from "acme-client";
import { accountKeyPem, accountMatches, newAccountKeyDer } from "./account.ts";
import { errorMessage, isLostTransportError, probeDirectory } from "./ca-probe.ts";
import type { TxtRecordHandle } from "./dns/provider.ts";
import { waitForTxt } from "./dns/propagation.ts";
import { describeDomains, domainNames } from "./domains.ts";
import { createCertificateKey } from "./keys.ts";
import type { ResolverRuntime } from "./resolver.ts";
import { LEGO_KEY_TYPES } from "./traefik-format.ts";
import type { DomainSet } from "./types.ts";

export interface OrderResult {
  certPem: string;
  keyPem: string;
  notAfter: Date;
}

export interface OrderContext {
  /** token → key authorization, read by the HTTP-01 handler. */
  httpTokens: Map<string, string>;
  ca?: string[];
  signal: AbortSignal;
}

/** Thrown with a message that already carries the real cause. */
export class AcmeOrderError extends Error {
  constructor(
    message: string,
    /** How long the CA asked us to wait, when it said so. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const POLL = { backoffMin: 250, backoffMax: 4000, backoffAttempts: 15 };

function registeredClient(rt: ResolverRuntime): Promise<acme.Client> {
  if (rt.client) return Promise.resolve(rt.client);
  rt.registering ??= register(rt).finally(() => (rt.registering = undefined));
  return rt.registering;
}

async function register(rt: ResolverRuntime): Promise<acme.Client> {
  let stored = rt.storage.account(rt.name);
  if (stored && !accountMatches(stored, rt.email, rt.caServer)) stored = undefined;
  let keyPem: string;
  let der: string;
  try {
    if (!stored) throw new Error("none");
    keyPem = accountKeyPem(stored);
    der = stored.PrivateKey;
  } catch {
    der = await newAccountKeyDer();
    keyPem = accountKeyPem({ Email: rt.email, PrivateKey: der });
    rt.log.info("ACME: new account key created", { email: rt.email });
  }
  const client = new acme.Client({
    directoryUrl: rt.caServer,
    accountKey: keyPem,
    externalAccountBinding: rt.eab ? { kid: rt.eab.kid, hmacKey: rt.eab.hmacEncoded } : undefined,
    ...POLL,
  });
  // newAccount with a known key returns the existing account (RFC 8555 7.3.1), so a CA that
  // forgot or never saw the stored registration is handled the same way.
  const body = await client.createAccount({ termsOfServiceAgreed: true, contact: rt.email ? [`mailto:${rt.email}`] : [] });
  rt.storage.setAccount(rt.name, {
    Email: rt.email,
    Registration: { body: body as unknown as Record<string, unknown>, uri: client.getAccountUrl() },
    PrivateKey: der,
    KeyType: LEGO_KEY_TYPES[rt.keyType] ?? rt.keyType,
  });
  rt.log.info("ACME: account registered", { caServer: rt.caServer });
  rt.client = client;
  return client;
}

/** Name servers as IP addresses (node:dns Resolver.setServers takes no host names). */
async function serverAddresses(names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of names) {
    // "1.2.3.4", "1.2.3.4:53", "::1", "[::1]:53" pass as they are.
    if (isIP(name) || isIP(name.replace(/:\d+$/, "")) || /^\[[^\]]+\](:\d+)?$/.test(name)) out.push(name);
    else out.push(...(await lookup(name, { all: true }).catch(() => [])).map((a) => a.address));
  }
  return out;
}

export async function orderCertificate(rt: ResolverRuntime, domains: DomainSet, ctx: OrderContext): Promise<OrderResult> {
  const log = rt.log.child({ domains: describeDomains(domains) });
  const unreachable = await probeDirectory(rt.caServer, ctx.ca);
  if (unreachable) throw new AcmeOrderError(`cannot use ACME server ${rt.caServer}: ${unreachable.problem}`, unreachable.retryAfterMs);
  try {
    const client = await registeredClient(rt);
    const key = await createCertificateKey(rt.keyType);
    const [, csr] = await acme.crypto.createCsr({ commonName: domains.main, altNames: domainNames(domains) }, key);
    const records = new Map<string, TxtRecordHandle>();
    log.info("ACME: order started", { keyType: rt.keyType });
    const certPem = await client.auto({
      csr,
      email: rt.email || undefined,
      termsOfServiceAgreed: true,
      // acme-client's own check uses the system resolver; ours below asks the configured servers.
      skipChallengeVerification: true,
      challengePriority: rt.dns ? ["dns-01"] : ["http-01"],
      preferredChain: rt.preferredChain,
      challengeCreateFn: async (authz, challenge, keyAuthorization) => {
        const domain = authz.identifier.value;
        if (ctx.signal.aborted) throw new Error("ACME manager stopped");
        if (challenge.type === "http-01") {
          ctx.httpTokens.set(challenge.token, keyAuthorization);
          log.info("ACME: HTTP-01 challenge ready", { domain });
          return;
        }
        if (challenge.type !== "dns-01" || !rt.dns) throw new Error(`no solver for challenge ${challenge.type}`);
        const dns = rt.dns;
        const fqdn = `_acme-challenge.${domain}`;
        const handle = await dns.provider.present(fqdn, keyAuthorization);
        records.set(challenge.url, handle);
        log.info("ACME: DNS-01 TXT record created", { domain, record: fqdn, provider: dns.provider.name });
        if (dns.delayBeforeCheckMs > 0) await Bun.sleep(dns.delayBeforeCheckMs);
        if (dns.disablePropagationCheck) return;
        let servers = dns.resolvers;
        if (!servers.length) servers = await serverAddresses(await dns.provider.authoritativeServers(fqdn));
        if (!servers.length) servers = getServers();
        await waitForTxt(fqdn, keyAuthorization, {
          servers,
          timeoutMs: dns.settings.propagationTimeoutMs,
          intervalMs: dns.settings.pollingIntervalMs,
          signal: ctx.signal,
        });
        log.info("ACME: DNS-01 TXT record visible", { domain, record: fqdn, servers: servers.join(",") });
      },
      challengeRemoveFn: async (authz, challenge) => {
        const domain = authz.identifier.value;
        if (challenge.type === "http-01") {
          ctx.httpTokens.delete(challenge.token);
          return;
        }
        const handle = records.get(challenge.url);
        if (!handle || !rt.dns) return;
        records.delete(challenge.url);
        try {
          await rt.dns.provider.cleanup(handle);
          log.info("ACME: DNS-01 TXT record removed", { domain, record: handle.fqdn });
        } catch (err) {
          log.warn("ACME: DNS-01 TXT record could not be removed", { domain, record: handle.fqdn, error: errorMessage(err) });
        }
      },
    });
    const notAfter = acme.crypto.readCertificateInfo(certPem).notAfter;
    return { certPem, keyPem: key.toString(), notAfter };
  } catch (err) {
    const msg = errorMessage(err);
    if (/accountDoesNotExist|account does not exist|unauthorized/i.test(msg)) rt.client = undefined;
    if (isLostTransportError(err)) {
      rt.client = undefined;
      const cause = await probeDirectory(rt.caServer, ctx.ca);
      throw new AcmeOrderError(
        `connection to ACME server ${rt.caServer} failed: ${cause?.problem ?? "the request failed and the cause was lost; the directory answers again now"}`,
        cause?.retryAfterMs,
      );
    }
    throw new AcmeOrderError(msg);
  }
}
