// From the merged partial config to a complete StaticConfig: Traefik's
// defaults, the implicit entry points Traefik creates, and the checks that
// need the whole config (references to entry points, exclusive options).
import type { Diagnostic } from "../diagnostic.ts";
import { parseAddress } from "./address.ts";
import { isPlainObject, type Origins } from "./merge.ts";
import { diagAt } from "./raw.ts";
import { outKey, type SchemaNode } from "./schema.ts";
import { STATIC_SCHEMA } from "./static-schema.ts";
import type { EntryPointConfig, StaticConfig } from "./types.ts";

/** Name of the entry point Traefik creates on :8080 for api/ping/metrics. */
export const INTERNAL_ENTRYPOINT = "traefik";

export function normalize(partial: Record<string, unknown>, origins: Origins): { config: StaticConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const filled = fill(partial, STATIC_SCHEMA, [], origins, diagnostics) as Record<string, unknown>;
  delete filled.global; // accepted for compatibility, means nothing here
  const config = filled as unknown as StaticConfig;

  for (const [name, ep] of Object.entries(config.entryPoints)) {
    if (typeof ep.address !== "string") {
      delete config.entryPoints[name]; // "address is required" already reported
      continue;
    }
    try {
      Object.assign(ep, parseAddress(ep.address));
    } catch {
      delete config.entryPoints[name]; // reported while decoding
    }
  }
  addImplicitEntryPoints(config);
  checkReferences(config, origins, diagnostics);
  return { config, diagnostics };
}

/** A fully defaulted entry point on `address`, as Traefik creates implicitly. */
export function defaultEntryPoint(address: string): EntryPointConfig {
  const schema = STATIC_SCHEMA.fields.entryPoints;
  if (schema.kind !== "map") throw new Error("schema: entryPoints must be a map");
  const ep = fill({ address }, schema.value, [], new WeakMap(), []) as EntryPointConfig;
  return Object.assign(ep, parseAddress(address));
}

// Traefik's SetEffectiveConfiguration: `http` on :80 when the user defined no
// entry point at all, then `traefik` on :8080 when something is served there.
function addImplicitEntryPoints(c: StaticConfig): void {
  if (Object.keys(c.entryPoints).length === 0) c.entryPoints.http = defaultEntryPoint(":80");
  const wantsInternal =
    c.api?.insecure === true ||
    (c.ping && !c.ping.manualRouting && c.ping.entryPoint === INTERNAL_ENTRYPOINT) ||
    (c.metrics?.prometheus && !c.metrics.prometheus.manualRouting && c.metrics.prometheus.entryPoint === INTERNAL_ENTRYPOINT);
  if (wantsInternal && !c.entryPoints[INTERNAL_ENTRYPOINT]) {
    c.entryPoints[INTERNAL_ENTRYPOINT] = defaultEntryPoint(":8080");
  }
}

function checkReferences(c: StaticConfig, origins: Origins, out: Diagnostic[]): void {
  const known = Object.keys(c.entryPoints);
  const missing = (name: string, what: string, at: object | undefined, path: string) => {
    if (c.entryPoints[name]) return;
    const msg = `${what} refers to entry point "${name}", which is not defined (defined: ${known.join(", ") || "none"})`;
    out.push(diagAt("error", msg, at ? origins.get(at) : undefined, path));
  };

  if (c.ping && !c.ping.manualRouting) missing(c.ping.entryPoint, "ping.entryPoint", c.ping, "ping.entryPoint");
  const prom = c.metrics?.prometheus;
  if (prom && !prom.manualRouting) missing(prom.entryPoint, "metrics.prometheus.entryPoint", prom, "metrics.prometheus.entryPoint");

  for (const [name, ep] of Object.entries(c.entryPoints)) {
    const redirect = ep.http.redirections?.entryPoint;
    // `to` is an entry point name or a bare ":443".
    if (redirect?.to && !redirect.to.startsWith(":")) {
      const path = `entryPoints.${name}.http.redirections.entryPoint.to`;
      missing(redirect.to, path, redirect, path);
    }
  }

  for (const [name, resolver] of Object.entries(c.certificatesResolvers)) {
    const acme = resolver.acme;
    const path = `certificatesResolvers.${name}.acme`;
    if (!acme) continue;
    if (acme.httpChallenge?.entryPoint) {
      missing(acme.httpChallenge.entryPoint, `${path}.httpChallenge.entryPoint`, acme.httpChallenge, `${path}.httpChallenge.entryPoint`);
    }
    if (!acme.httpChallenge && !acme.tlsChallenge && !acme.dnsChallenge) {
      const msg = `${path}: no challenge configured; set one of httpChallenge, tlsChallenge or dnsChallenge`;
      out.push(diagAt("error", msg, origins.get(acme), path));
    }
  }

  const file = c.providers.file;
  if (file) {
    const at = origins.get(file);
    if (file.filename && file.directory) {
      out.push(diagAt("error", "providers.file: filename and directory are mutually exclusive; set only one", at, "providers.file"));
    } else if (!file.filename && !file.directory) {
      out.push(diagAt("error", "providers.file: set either filename or directory", at, "providers.file"));
    }
  }
}

/** Fills Traefik's defaults into a decoded value and reports missing required options. */
function fill(value: unknown, schema: SchemaNode, path: string[], origins: Origins, diags: Diagnostic[]): unknown {
  switch (schema.kind) {
    case "section": {
      if (value === false) return undefined;
      if (!isPlainObject(value)) {
        if (!schema.always) return undefined;
        value = {};
      }
      const given = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      const origin = origins.get(given);
      if (origin) origins.set(out, origin);
      for (const [name, fieldSchema] of Object.entries(schema.fields)) {
        const key = outKey(name, fieldSchema);
        const v = fill(given[key], fieldSchema, [...path, name], origins, diags);
        if (v !== undefined) out[key] = v;
      }
      for (const r of schema.required ?? []) {
        if (out[outKey(r, schema.fields[r])] === undefined) {
          const p = [...path, r].join(".");
          diags.push(diagAt("error", `option "${p}" is required`, origin, p));
        }
      }
      return out;
    }
    case "map": {
      if (!isPlainObject(value)) return schema.always ? {} : undefined;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const filled = fill(v, schema.value, [...path, k], origins, diags);
        if (filled !== undefined) out[k] = filled;
      }
      return out;
    }
    case "list":
      return Array.isArray(value) ? value : schema.default?.slice();
    case "objlist":
      return Array.isArray(value) ? value.map((v, i) => fill(v, schema.item, [...path, String(i)], origins, diags)) : undefined;
    case "unsupported":
      return undefined;
    default:
      return value ?? schema.default;
  }
}
