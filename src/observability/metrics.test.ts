import { describe, expect, test } from "bun:test";
import type { PrometheusConfig } from "../config/static/types.ts";
import { Metrics } from "./metrics.ts";
import { finishedContext } from "./test-context.ts";

const cfg = (over: Partial<PrometheusConfig> = {}): PrometheusConfig => ({
  buckets: [0.1, 0.3, 1.2, 5],
  addEntryPointsLabels: true,
  addRoutersLabels: false,
  addServicesLabels: true,
  entryPoint: "traefik",
  manualRouting: false,
  prefix: "sluice",
  ...over,
});

/** The value of the sample line `name{labels}`; undefined when absent. */
function sample(body: string, nameAndLabels: string): number | undefined {
  for (const line of body.split("\n")) {
    if (line.startsWith(nameAndLabels + " ")) return Number(line.slice(nameAndLabels.length + 1));
  }
  return undefined;
}

const helpNames = (body: string) =>
  body
    .split("\n")
    .filter((l) => l.startsWith("# TYPE "))
    .map((l) => l.split(" ")[2]);

const ALL_TRAEFIK = [
  "traefik_config_reloads_total",
  "traefik_config_reloads_failure_total",
  "traefik_config_last_reload_success",
  "traefik_config_last_reload_failure",
  "traefik_open_connections",
  "traefik_tls_certs_not_after",
  "traefik_entrypoint_requests_total",
  "traefik_entrypoint_requests_tls_total",
  "traefik_entrypoint_request_duration_seconds",
  "traefik_entrypoint_open_connections",
  "traefik_entrypoint_requests_bytes_total",
  "traefik_entrypoint_responses_bytes_total",
  "traefik_router_requests_total",
  "traefik_router_requests_tls_total",
  "traefik_router_request_duration_seconds",
  "traefik_router_open_connections",
  "traefik_router_requests_bytes_total",
  "traefik_router_responses_bytes_total",
  "traefik_service_requests_total",
  "traefik_service_requests_tls_total",
  "traefik_service_request_duration_seconds",
  "traefik_service_open_connections",
  "traefik_service_retries_total",
  "traefik_service_server_up",
  "traefik_service_requests_bytes_total",
  "traefik_service_responses_bytes_total",
];

describe("Metrics", () => {
  test("prefix traefik gives exactly Traefik's family names", async () => {
    const m = new Metrics(cfg({ prefix: "traefik", addRoutersLabels: true }));
    const { body, contentType } = await m.render();
    expect(contentType).toContain("text/plain");
    expect(helpNames(body).sort()).toEqual([...ALL_TRAEFIK].sort());
  });

  test("default prefix sluice; add*Labels switch families off", async () => {
    const m = new Metrics(cfg({ addEntryPointsLabels: false, addServicesLabels: false }));
    const names = helpNames((await m.render()).body);
    expect(names).toContain("sluice_config_reloads_total");
    expect(names).toContain("sluice_open_connections");
    expect(names.some((n) => n!.startsWith("sluice_entrypoint_"))).toBe(false);
    expect(names.some((n) => n!.startsWith("sluice_service_"))).toBe(false);
    expect(names.some((n) => n!.startsWith("sluice_router_"))).toBe(false);
  });

  test("request counters, bytes and histogram move with observations", async () => {
    const m = new Metrics(cfg());
    const ctx = finishedContext({ durationMs: 250, requestContentSize: 10, downstreamContentSize: 42, originDurationMs: 200 });
    m.observeRequest(ctx);
    m.observeRequest(finishedContext({ durationMs: 2000, requestContentSize: 5, downstreamContentSize: 8, originContentSize: 8, originDurationMs: 1900 }));
    m.observeRequest(finishedContext({ downstreamStatus: 404, method: "BREW" }));
    const { body } = await m.render();
    const ep = `{code="200",method="GET",protocol="http",entrypoint="web"}`;
    expect(sample(body, `sluice_entrypoint_requests_total${ep}`)).toBe(2);
    expect(sample(body, `sluice_entrypoint_requests_bytes_total${ep}`)).toBe(15);
    expect(sample(body, `sluice_entrypoint_responses_bytes_total${ep}`)).toBe(50);
    expect(sample(body, `sluice_entrypoint_requests_total{code="404",method="EXTENSION_METHOD",protocol="http",entrypoint="web"}`)).toBe(1);
    const b = (le: string) => `sluice_entrypoint_request_duration_seconds_bucket{code="200",method="GET",protocol="http",entrypoint="web",le="${le}"}`;
    expect([b("0.1"), b("0.3"), b("1.2"), b("5"), b("+Inf")].map((k) => sample(body, k))).toEqual([0, 1, 1, 2, 2]);
    expect(sample(body, `sluice_entrypoint_request_duration_seconds_sum${ep}`)).toBeCloseTo(2.25, 6);
    expect(sample(body, `sluice_entrypoint_request_duration_seconds_count${ep}`)).toBe(2);
    const svc = `{code="200",method="GET",protocol="http",service="api@file"}`;
    expect(sample(body, `sluice_service_requests_total${svc}`)).toBe(2);
    expect(sample(body, `sluice_service_request_duration_seconds_sum${svc}`)).toBeCloseTo(2.1, 6);
  });

  test("service code is the origin's; no service, no service series; router labels when enabled", async () => {
    const m = new Metrics(cfg({ addRoutersLabels: true }));
    m.observeRequest(finishedContext({ originStatus: 503, downstreamStatus: 200 }));
    m.observeRequest(finishedContext({ routerName: undefined, serviceName: undefined, downstreamStatus: 404 }));
    const { body } = await m.render();
    expect(sample(body, `sluice_service_requests_total{code="503",method="GET",protocol="http",service="api@file"}`)).toBe(1);
    expect(sample(body, `sluice_router_requests_total{code="200",method="GET",protocol="http",router="api@file",service="api@file"}`)).toBe(1);
    expect(body).not.toContain(`code="404",method="GET",protocol="http",service=`);
    expect(sample(body, `sluice_entrypoint_requests_total{code="404",method="GET",protocol="http",entrypoint="web"}`)).toBe(1);
  });

  test.each([
    [{ upgrade: "websocket", connection: "Upgrade" }, "websocket"],
    [{ accept: "text/event-stream" }, "sse"],
    [{ accept: "text/html" }, "http"],
  ])("protocol label for %p is %p", async (headers, want) => {
    const m = new Metrics(cfg());
    m.observeRequest(finishedContext({ requestHeaders: new Headers(headers) }));
    const { body } = await m.render();
    expect(sample(body, `sluice_entrypoint_requests_total{code="200",method="GET",protocol="${want}",entrypoint="web"}`)).toBe(1);
  });

  test.each([
    [[["Upgrade", "websocket"], ["connection", "keep-alive, Upgrade"]], "websocket"],
    [[["ACCEPT", "text/event-stream"]], "sse"],
    [[["Upgrade", "websocket"]], "http"],
  ] as [[string, string][], string][])("protocol label from the raw front's field list %p is %p", async (list, want) => {
    const m = new Metrics(cfg());
    // requestHeaders says otherwise: the list must be what is read.
    m.observeRequest(finishedContext({ requestHeaderList: list, requestHeaders: new Headers({ accept: "text/event-stream" }) }));
    const { body } = await m.render();
    expect(sample(body, `sluice_entrypoint_requests_total{code="200",method="GET",protocol="${want}",entrypoint="web"}`)).toBe(1);
  });

  test("TLS counters and retries", async () => {
    const m = new Metrics(cfg({ addRoutersLabels: true }));
    m.observeRequest(finishedContext({ retryAttempts: 2 }), { version: "1.3", cipher: "TLS_AES_128_GCM_SHA256" });
    const { body } = await m.render();
    expect(sample(body, `sluice_entrypoint_requests_tls_total{tls_version="1.3",tls_cipher="TLS_AES_128_GCM_SHA256",entrypoint="web"}`)).toBe(1);
    expect(sample(body, `sluice_router_requests_tls_total{tls_version="1.3",tls_cipher="TLS_AES_128_GCM_SHA256",router="api@file",service="api@file"}`)).toBe(1);
    expect(sample(body, `sluice_service_requests_tls_total{tls_version="1.3",tls_cipher="TLS_AES_128_GCM_SHA256",service="api@file"}`)).toBe(1);
    expect(sample(body, `sluice_service_retries_total{service="api@file"}`)).toBe(2);
  });

  test("one TLS series per label set, whatever the status codes and methods of the requests", async () => {
    const m = new Metrics(cfg({ addRoutersLabels: true }));
    const tls = { version: "1.3", cipher: "TLS_AES_128_GCM_SHA256" };
    m.observeRequest(finishedContext({ downstreamStatus: 200 }), tls);
    m.observeRequest(finishedContext({ downstreamStatus: 404, method: "POST" }), tls);
    const { body } = await m.render();
    for (const name of ["entrypoint", "router", "service"]) {
      const lines = body.split("\n").filter((l) => l.startsWith(`sluice_${name}_requests_tls_total{`));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toEndWith(" 2");
    }
  });

  test("open connections go up while requests are in flight and come back down", async () => {
    const m = new Metrics(cfg());
    const first = m.requestOpened(finishedContext());
    const second = m.requestOpened(finishedContext({ routerName: undefined, serviceName: undefined }));
    let { body } = await m.render();
    expect(sample(body, `sluice_open_connections{entrypoint="web",protocol="http"}`)).toBe(2);
    expect(sample(body, `sluice_entrypoint_open_connections{method="GET",protocol="http",entrypoint="web"}`)).toBe(2);
    expect(sample(body, `sluice_service_open_connections{method="GET",protocol="http",service="api@file"}`)).toBe(1);
    m.requestClosed(first);
    ({ body } = await m.render());
    expect(sample(body, `sluice_open_connections{entrypoint="web",protocol="http"}`)).toBe(1);
    expect(sample(body, `sluice_service_open_connections{method="GET",protocol="http",service="api@file"}`)).toBe(0);
    m.requestClosed(second);
    ({ body } = await m.render());
    expect(sample(body, `sluice_open_connections{entrypoint="web",protocol="http"}`)).toBe(0);
    // The same labels share one cached array of series.
    expect(m.requestOpened(finishedContext())).toBe(first);
  });

  test("config reloads: success and failure counted apart, timestamps in seconds", async () => {
    const m = new Metrics(cfg({ prefix: "traefik" }));
    m.configReload(true, 1_700_000_000_500);
    m.configReload(true, 1_700_000_100_000);
    m.configReload(false, 1_700_000_200_000);
    const { body } = await m.render();
    expect(sample(body, "traefik_config_reloads_total")).toBe(2);
    expect(sample(body, "traefik_config_reloads_failure_total")).toBe(1);
    expect(sample(body, "traefik_config_last_reload_success")).toBe(1_700_000_100);
    expect(sample(body, "traefik_config_last_reload_failure")).toBe(1_700_000_200);
  });

  test("server up/down and removal of a service's series", async () => {
    const m = new Metrics(cfg({ addRoutersLabels: true }));
    m.serverUp("api@file", "http://10.0.0.2:9000", true);
    m.serverUp("api@file", "http://10.0.0.3:9000", false);
    m.serverUp("web@file", "http://10.0.0.4:80", true);
    m.observeRequest(finishedContext());
    let { body } = await m.render();
    expect(sample(body, `sluice_service_server_up{service="api@file",url="http://10.0.0.2:9000"}`)).toBe(1);
    expect(sample(body, `sluice_service_server_up{service="api@file",url="http://10.0.0.3:9000"}`)).toBe(0);
    m.removeServer("api@file", "http://10.0.0.3:9000");
    ({ body } = await m.render());
    expect(body).not.toContain("10.0.0.3");
    m.removeService("api@file");
    ({ body } = await m.render());
    expect(body).not.toContain(`service="api@file"`);
    expect(sample(body, `sluice_service_server_up{service="web@file",url="http://10.0.0.4:80"}`)).toBe(1);
    // Entry-point series are not tied to a service and stay.
    expect(sample(body, `sluice_entrypoint_requests_total{code="200",method="GET",protocol="http",entrypoint="web"}`)).toBe(1);
    // After removal, new traffic starts the series again from zero.
    m.observeRequest(finishedContext());
    ({ body } = await m.render());
    expect(sample(body, `sluice_service_requests_total{code="200",method="GET",protocol="http",service="api@file"}`)).toBe(1);
  });

  test("label values are escaped", async () => {
    const m = new Metrics(cfg());
    m.observeRequest(finishedContext({ serviceName: 'we"ird\\svc' }));
    const { body } = await m.render();
    expect(body).toContain(`service="we\\"ird\\\\svc"`);
  });
});
