// The metric families Traefik exposes (pkg/metrics/prometheus.go), same names
// after the prefix, same label names and order, same help texts. A family
// left undefined is disabled by the add*Labels options.
import type { PrometheusConfig } from "../config/static/types.ts";
import { CounterFamily, GaugeFamily, HistogramFamily } from "./metric-families.ts";

export interface Families {
  reloads: CounterFamily;
  reloadFailures: CounterFamily;
  lastReloadSuccess: GaugeFamily;
  lastReloadFailure: GaugeFamily;
  openConns: GaugeFamily;
  tlsCertsNotAfter: GaugeFamily;

  epReqs?: CounterFamily;
  epTls?: CounterFamily;
  epDur?: HistogramFamily;
  epOpen?: GaugeFamily;
  epReqBytes?: CounterFamily;
  epRespBytes?: CounterFamily;

  routerReqs?: CounterFamily;
  routerTls?: CounterFamily;
  routerDur?: HistogramFamily;
  routerOpen?: GaugeFamily;
  routerReqBytes?: CounterFamily;
  routerRespBytes?: CounterFamily;

  svcReqs?: CounterFamily;
  svcTls?: CounterFamily;
  svcDur?: HistogramFamily;
  svcOpen?: GaugeFamily;
  svcRetries?: CounterFamily;
  svcServerUp?: GaugeFamily;
  svcReqBytes?: CounterFamily;
  svcRespBytes?: CounterFamily;
}

const REQ = ["code", "method", "protocol"];

export function buildFamilies(cfg: PrometheusConfig, buckets: readonly number[]): Families {
  const p = cfg.prefix === "" ? "" : `${cfg.prefix ?? "sluice"}_`;
  const counter = (n: string, help: string, labels: string[]) => new CounterFamily(p + n, help, labels);
  const gauge = (n: string, help: string, labels: string[]) => new GaugeFamily(p + n, help, labels);
  const hist = (n: string, help: string, labels: string[]) => new HistogramFamily(p + n, help, labels, buckets);

  const f: Families = {
    reloads: counter("config_reloads_total", "Config reloads", []),
    reloadFailures: counter("config_reloads_failure_total", "Config failure reloads", []),
    lastReloadSuccess: gauge("config_last_reload_success", "Last config reload success", []),
    lastReloadFailure: gauge("config_last_reload_failure", "Last config reload failure", []),
    openConns: gauge("open_connections", "How many open connections exist, by entryPoint and protocol", ["entrypoint", "protocol"]),
    tlsCertsNotAfter: gauge("tls_certs_not_after", "Certificate expiration timestamp", ["cn", "sans", "serial"]),
  };

  if (cfg.addEntryPointsLabels) {
    const l = [...REQ, "entrypoint"];
    const why = "on an entrypoint, partitioned by status code, protocol, and method.";
    f.epReqs = counter("entrypoint_requests_total", `How many HTTP requests processed ${why}`, l);
    f.epTls = counter(
      "entrypoint_requests_tls_total",
      "How many HTTP requests with TLS processed on an entrypoint, partitioned by TLS Version and TLS cipher Used.",
      ["tls_version", "tls_cipher", "entrypoint"],
    );
    f.epDur = hist("entrypoint_request_duration_seconds", `How long it took to process the request ${why}`, l);
    f.epOpen = gauge(
      "entrypoint_open_connections",
      "How many open connections exist on an entrypoint, partitioned by method and protocol.",
      ["method", "protocol", "entrypoint"],
    );
    f.epReqBytes = counter("entrypoint_requests_bytes_total", `The total size of requests in bytes handled by an entrypoint, partitioned by status code, protocol, and method.`, l);
    f.epRespBytes = counter("entrypoint_responses_bytes_total", `The total size of responses in bytes handled by an entrypoint, partitioned by status code, protocol, and method.`, l);
  }

  if (cfg.addRoutersLabels) {
    const l = [...REQ, "router", "service"];
    const why = "on a router, partitioned by service, status code, protocol, and method.";
    f.routerReqs = counter("router_requests_total", `How many HTTP requests are processed ${why}`, l);
    f.routerTls = counter(
      "router_requests_tls_total",
      "How many HTTP requests with TLS are processed on a router, partitioned by service, TLS Version, and TLS cipher Used.",
      ["tls_version", "tls_cipher", "router", "service"],
    );
    f.routerDur = hist("router_request_duration_seconds", `How long it took to process the request ${why}`, l);
    f.routerOpen = gauge(
      "router_open_connections",
      "How many open connections exist on a router, partitioned by service, method, and protocol.",
      ["method", "protocol", "router", "service"],
    );
    f.routerReqBytes = counter("router_requests_bytes_total", `The total size of requests in bytes handled by a router, partitioned by service, status code, protocol, and method.`, l);
    f.routerRespBytes = counter("router_responses_bytes_total", `The total size of responses in bytes handled by a router, partitioned by service, status code, protocol, and method.`, l);
  }

  if (cfg.addServicesLabels) {
    const l = [...REQ, "service"];
    const why = "on a service, partitioned by status code, protocol, and method.";
    f.svcReqs = counter("service_requests_total", `How many HTTP requests processed ${why}`, l);
    f.svcTls = counter(
      "service_requests_tls_total",
      "How many HTTP requests with TLS processed on a service, partitioned by TLS version and TLS cipher.",
      ["tls_version", "tls_cipher", "service"],
    );
    f.svcDur = hist("service_request_duration_seconds", `How long it took to process the request ${why}`, l);
    f.svcOpen = gauge(
      "service_open_connections",
      "How many open connections exist on a service, partitioned by method and protocol.",
      ["method", "protocol", "service"],
    );
    f.svcRetries = counter("service_retries_total", "How many request retries happened on a service.", ["service"]);
    f.svcServerUp = gauge("service_server_up", "service server is up, described by gauge value of 0 or 1.", ["service", "url"]);
    f.svcReqBytes = counter("service_requests_bytes_total", `The total size of requests in bytes received by a service, partitioned by status code, protocol, and method.`, l);
    f.svcRespBytes = counter("service_responses_bytes_total", `The total size of responses in bytes returned by a service, partitioned by status code, protocol, and method.`, l);
  }
  return f;
}
