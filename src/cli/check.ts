import { formatDiagnostic, hasErrors, type Diagnostic } from "../config/diagnostic.ts";
import { mergeProviders } from "../config/dynamic/merge.ts";
import { locateDiagnostics, type Locator } from "../config/dynamic/locate.ts";
import type { DynamicConfig } from "../config/dynamic/types.ts";
import { readFileSource } from "../providers/file/read-config.ts";
import { compileGeneration } from "../server/compile.ts";
import { buildTlsListeners } from "../tls/listener-spec.ts";
import { defaultGeneratedCertificate } from "../tls/self-signed.ts";
import { DEMO_SERVICE } from "../server/demo-service.ts";
import { ServiceRegistry } from "../services/service-registry.ts";
import { FetchUpstreamClient } from "../services/upstream/fetch-client.ts";
import { EXIT_BAD_STATIC_CONFIG, loadStaticOrReport } from "./load-static.ts";

/**
 * `sluice check`: validates the static config and everything the file
 * provider would load, compiles it exactly as `run` would (without listening
 * or probing anything), and prints every diagnostic. Exit 0 when clean of
 * errors, 1 for dynamic config errors, 2 for static config errors.
 */
export async function runCheck(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const config = loadStaticOrReport(args, env);
  if (!config) return EXIT_BAD_STATIC_CONFIG;
  const diagnostics: Diagnostic[] = [];
  const byProvider = new Map<string, DynamicConfig>();
  const locators = new Map<string, Locator>();
  if (config.providers.file) {
    const read = await readFileSource(config.providers.file);
    diagnostics.push(...read.diagnostics);
    byProvider.set("file", read.config);
    if (read.locate) locators.set("file", read.locate);
  }
  const merged = mergeProviders(byProvider);
  diagnostics.push(...merged.diagnostics);
  const dynamic = withDemoPlaceholder(merged.config);

  const registry = new ServiceRegistry(() => new FetchUpstreamClient(), { dryRun: true }, "check");
  const built = registry.build(dynamic.http ?? {}, config.serversTransport);
  const gen = compileGeneration({ id: 1, dynamic, staticConfig: config, services: built.services, internal: [] });
  // Certificates and TLS options as the TLS entrypoints would load them.
  const tls = buildTlsListeners({ tls: dynamic.tls, entryPoints: gen.tls.entryPoints, extraCertificates: [], generatedDefault: await defaultGeneratedCertificate() });
  diagnostics.push(...locateDiagnostics([...built.diagnostics, ...gen.diagnostics, ...tls.diagnostics], locators));
  registry.close();

  for (const d of diagnostics) console.log(formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const enabled = [...gen.routers.values()].filter((r) => r.status === "enabled").length;
  console.log(`${enabled}/${gen.routers.size} routers enabled, ${errors} error(s), ${warnings} warning(s)`);
  return hasErrors(diagnostics) ? 1 : 0;
}

/** `whoami@internal` exists at run time; a placeholder lets check compile routers that use it. */
function withDemoPlaceholder(config: DynamicConfig): DynamicConfig {
  return {
    ...config,
    http: { ...config.http, services: { ...config.http?.services, [DEMO_SERVICE]: { loadBalancer: { servers: [{ url: "http://127.0.0.1:1" }] } } } },
  };
}
