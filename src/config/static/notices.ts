// Parts of a valid (Traefik) static config whose subsystem Sluice does not
// have yet: one line each, printed at start so nobody is surprised. Prune
// entries here as the features land.
import type { StaticConfig } from "./types.ts";

export function unsupportedNotices(config: StaticConfig): string[] {
  const out: string[] = [];
  if (config.providers.kubernetesCRD) {
    out.push("providers.kubernetesCRD: the Kubernetes CRD provider is not available in Sluice yet; IngressRoutes are not served");
  }
  if (config.providers.kubernetesIngress) {
    out.push("providers.kubernetesIngress: the Kubernetes Ingress provider is not available in Sluice yet; Ingresses are not served");
  }
  if (config.api) out.push("api: the API and dashboard are not available in Sluice yet");
  // Bun.serve (SLUICE_FRONT=serve) applies none of these; the raw front applies them all, over TLS and HTTP/2 too.
  const serve = process.env.SLUICE_FRONT === "serve";
  for (const [name, ep] of Object.entries(config.entryPoints)) {
    const rt = ep.transport.respondingTimeouts;
    for (const [key, ms] of [["readTimeout", rt.readTimeoutMs], ["writeTimeout", rt.writeTimeoutMs]] as const) {
      if (ms > 0 && serve) {
        out.push(`entryPoints.${name}.transport.respondingTimeouts.${key} is not enforced with SLUICE_FRONT=serve (Bun.serve has only idleTimeout)`);
      }
    }
    if (serve && (ep.transport.keepAliveMaxRequests || ep.transport.keepAliveMaxTimeMs)) {
      out.push(`entryPoints.${name}.transport.keepAliveMaxRequests/keepAliveMaxTime are not applied with SLUICE_FRONT=serve`);
    }
    if (serve && ep.http.maxHeaderBytes) {
      out.push(`entryPoints.${name}.http.maxHeaderBytes is not applied with SLUICE_FRONT=serve (Bun.serve has its own limit)`);
    }
    const h2 = ep.http2;
    if (serve && (h2.maxConcurrentStreams !== 250 || h2.maxDecoderHeaderTableSize !== 4096)) {
      out.push(`entryPoints.${name}.http2 is not applied with SLUICE_FRONT=serve (Bun.serve's own HTTP/2 settings serve)`);
    }
    if (ep.proxyProtocol) out.push(`entryPoints.${name}.proxyProtocol: the PROXY protocol is not available in Sluice yet`);
  }
  const ft = config.serversTransport.forwardingTimeouts;
  const customised = ft.dialTimeoutMs !== 30_000 || ft.idleConnTimeoutMs !== 90_000 || config.serversTransport.maxIdleConnsPerHost !== 200;
  if (customised && process.env.SLUICE_FRONT === "serve" && process.env.SLUICE_UPSTREAM !== "pool") {
    // Bun's fetch gives no hook for the connect phase nor for its pool.
    out.push(
      `serversTransport: with SLUICE_FRONT=serve and the fetch upstream client, dialTimeout (${ft.dialTimeoutMs} ms), idleConnTimeout and maxIdleConnsPerHost are not enforced; SLUICE_UPSTREAM=pool enforces them`,
    );
  }
  return out;
}
