// DNS-01 through Cloudflare's API v4 with the official `cloudflare` SDK.
// Credentials as lego reads them (Traefik's names): CF_API_EMAIL + CF_API_KEY
// (global key) or CF_DNS_API_TOKEN (+ CF_ZONE_API_TOKEN for zone reads), each
// also as *_FILE, with the CLOUDFLARE_* aliases. Base URL: CLOUDFLARE_BASE_URL.
import Cloudflare from "cloudflare";
import type { DnsProvider, TxtRecordHandle } from "./provider.ts";
import { envOrFile, envSecondsMs, type Env } from "./env.ts";

export interface CloudflareSettings {
  ttl: number;
  propagationTimeoutMs: number;
  pollingIntervalMs: number;
}

interface Zone {
  id: string;
  name: string;
  nameServers: string[];
}

/** Reads credentials and settings; throws a message naming what is missing (never the values). */
export function cloudflareFromEnv(env: Env): { provider: CloudflareDns; settings: CloudflareSettings } {
  const email = envOrFile(env, "CF_API_EMAIL", "CLOUDFLARE_EMAIL");
  const key = envOrFile(env, "CF_API_KEY", "CLOUDFLARE_API_KEY");
  const dnsToken = envOrFile(env, "CF_DNS_API_TOKEN", "CLOUDFLARE_DNS_API_TOKEN");
  const zoneToken = envOrFile(env, "CF_ZONE_API_TOKEN", "CLOUDFLARE_ZONE_API_TOKEN");
  const baseURL = env.CLOUDFLARE_BASE_URL || undefined;
  const common = { baseURL, maxRetries: 2, timeout: 30_000 };
  let dns: Cloudflare;
  let zones: Cloudflare;
  if (email && key) {
    dns = new Cloudflare({ ...common, apiEmail: email, apiKey: key, apiToken: null });
    zones = dns;
  } else if (dnsToken) {
    dns = new Cloudflare({ ...common, apiToken: dnsToken, apiEmail: null, apiKey: null });
    zones = zoneToken ? new Cloudflare({ ...common, apiToken: zoneToken, apiEmail: null, apiKey: null }) : dns;
  } else {
    throw new Error(
      "cloudflare: credentials missing: set CF_API_EMAIL and CF_API_KEY (global API key), or CF_DNS_API_TOKEN (optionally CF_ZONE_API_TOKEN); each may also be given as *_FILE",
    );
  }
  const settings: CloudflareSettings = {
    ttl: Math.max(120, Number(env.CF_TTL ?? env.CLOUDFLARE_TTL ?? 120) || 120),
    propagationTimeoutMs: envSecondsMs(env, 120_000, "CF_PROPAGATION_TIMEOUT", "CLOUDFLARE_PROPAGATION_TIMEOUT"),
    pollingIntervalMs: envSecondsMs(env, 2_000, "CF_POLLING_INTERVAL", "CLOUDFLARE_POLLING_INTERVAL"),
  };
  return { provider: new CloudflareDns(dns, zones, settings.ttl), settings };
}

export class CloudflareDns implements DnsProvider {
  readonly name = "cloudflare";
  private readonly zoneCache = new Map<string, Zone>();

  constructor(
    private readonly dns: Cloudflare,
    private readonly zones: Cloudflare,
    private readonly ttl: number,
  ) {}

  async present(fqdn: string, value: string): Promise<TxtRecordHandle> {
    const zone = await this.zoneFor(fqdn);
    const rec = await this.dns.dns.records.create({ zone_id: zone.id, type: "TXT", name: fqdn, content: value, ttl: this.ttl });
    return { fqdn, value, ref: { zoneId: zone.id, recordId: rec.id } };
  }

  async cleanup(handle: TxtRecordHandle): Promise<void> {
    const ref = handle.ref as { zoneId: string; recordId?: string };
    if (ref.recordId) {
      await this.dns.dns.records.delete(ref.recordId, { zone_id: ref.zoneId });
      return;
    }
    // No id (create's answer lost): delete only records with exactly this name and value.
    for await (const rec of this.dns.dns.records.list({ zone_id: ref.zoneId, type: "TXT", name: { exact: handle.fqdn } })) {
      if (rec.content === handle.value || rec.content === `"${handle.value}"`) await this.dns.dns.records.delete(rec.id, { zone_id: ref.zoneId });
    }
  }

  async authoritativeServers(fqdn: string): Promise<string[]> {
    return (await this.zoneFor(fqdn)).nameServers;
  }

  /** The Cloudflare zone holding `fqdn`: the longest suffix that the API knows as a zone. */
  private async zoneFor(fqdn: string): Promise<Zone> {
    const labels = fqdn.split(".");
    for (let i = 0; i < labels.length - 1; i++) {
      const candidate = labels.slice(i).join(".");
      const cached = this.zoneCache.get(candidate);
      if (cached) return cached;
      const page = await this.zones.zones.list({ name: candidate });
      const z = page.result[0];
      if (z) {
        const zone = { id: z.id, name: z.name, nameServers: z.name_servers ?? [] };
        this.zoneCache.set(candidate, zone);
        return zone;
      }
    }
    throw new Error(`cloudflare: no zone found for ${fqdn} (is the domain in this account, and may the token read zones?)`);
  }
}
