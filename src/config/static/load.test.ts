import { describe, expect, test } from "bun:test";
import { hasErrors } from "../diagnostic.ts";
import { loadStaticConfig } from "./load.ts";

const files = (map: Record<string, string>) => (p: string) => {
  if (!(p in map)) throw new Error(`ENOENT: no such file, open '${p}'`);
  return map[p];
};

// The Traefik DaemonSet arguments people run, copied as they are.
const DAEMONSET_ARGS = [
  "--accesslog",
  "--entrypoints.http.address=:80",
  "--entrypoints.https.address=:443",
  "--entrypoints.metrics.address=:8089",
  "--metrics.prometheus=true",
  "--metrics.prometheus.entryPoint=metrics",
  "--providers.kubernetescrd",
  "--certificatesResolvers.letsencrypt.acme.httpChallenge.entryPoint=http",
  "--certificatesresolvers.letsencrypt.acme.email=a@b.c",
  "--certificatesresolvers.letsencrypt.acme.storage=/data/acme.json",
  "--entrypoints.http.http.redirections.entrypoint.to=https",
  "--entrypoints.http.http.redirections.entrypoint.scheme=https",
  "--log.level=INFO",
  "--ping",
];

describe("Traefik DaemonSet flags", () => {
  const { config, diagnostics, configFile } = loadStaticConfig(DAEMONSET_ARGS, { TRAEFIK_LOG_LEVEL: "DEBUG" });

  test("are accepted without any diagnostic", () => {
    expect(diagnostics).toEqual([]);
    expect(configFile).toBeUndefined();
  });

  test("entry points, plus `traefik` on :8080 for ping", () => {
    expect(Object.keys(config.entryPoints).sort()).toEqual(["http", "https", "metrics", "traefik"]);
    expect(config.entryPoints.https).toMatchObject({ address: ":443", host: "", port: 443 });
    expect(config.entryPoints.traefik.port).toBe(8080);
    expect(config.entryPoints.http.http.redirections).toEqual({ entryPoint: { to: "https", scheme: "https", permanent: true } });
  });

  test("sections switched on by bare flags get Traefik's defaults", () => {
    expect(config.accessLog).toEqual({ format: "common", bufferingSize: 0 });
    expect(config.ping).toEqual({ entryPoint: "traefik", manualRouting: false, terminatingStatusCode: 503 });
    expect(config.providers.kubernetesCRD).toMatchObject({ namespaces: [], throttleDurationMs: 0, allowCrossNamespace: false });
    expect(config.metrics?.prometheus).toEqual({
      buckets: [0.1, 0.3, 1.2, 5],
      addEntryPointsLabels: true,
      addRoutersLabels: false,
      addServicesLabels: true,
      entryPoint: "metrics",
      manualRouting: false,
      prefix: "sluice",
    });
  });

  test("resolver and log level; env is ignored when flags are given", () => {
    expect(config.certificatesResolvers.letsencrypt.acme).toMatchObject({
      email: "a@b.c",
      storage: "/data/acme.json",
      httpChallenge: { entryPoint: "http" },
    });
    expect(config.log.level).toBe("INFO");
  });
});

describe("option names are case-insensitive", () => {
  const spellings: string[][] = [
    ["--entrypoints.web.address=:81", "--entrypoints.web.forwardedheaders.trustedips=10.0.0.0/8"],
    ["--entryPoints.web.address=:81", "--entryPoints.web.forwardedHeaders.trustedIPs=10.0.0.0/8"],
    ["--ENTRYPOINTS.web.ADDRESS", ":81", "--EntryPoints.web.ForwardedHeaders.TrustedIps", "10.0.0.0/8"],
  ];
  test.each(spellings)("%p", (...args) => {
    const { config, diagnostics } = loadStaticConfig(args, {});
    expect(diagnostics).toEqual([]);
    expect(config.entryPoints.web.port).toBe(81);
    expect(config.entryPoints.web.forwardedHeaders.trustedIPs).toEqual(["10.0.0.0/8"]);
  });

  test("enum values too", () => {
    const { config } = loadStaticConfig(["--log.level=debug", "--log.format=JSON", "--core.defaultRuleSyntax=V2"], {});
    expect(config.log).toEqual({ level: "DEBUG", format: "json" });
    expect(config.core.defaultRuleSyntax).toBe("v2");
  });
});

describe("lists from flags", () => {
  const cases: { name: string; args: string[]; want: string[] }[] = [
    { name: "comma-separated", args: ["--entrypoints.w.forwardedheaders.trustedips=10.0.0.0/8,1.2.3.4"], want: ["10.0.0.0/8", "1.2.3.4"] },
    { name: "indexed", args: ["--entrypoints.w.forwardedHeaders.trustedIPs[1]=1.2.3.4", "--entrypoints.w.forwardedHeaders.trustedIPs[0]=10.0.0.0/8"], want: ["10.0.0.0/8", "1.2.3.4"] },
    { name: "repeated", args: ["--entrypoints.w.forwardedheaders.trustedips=10.0.0.0/8", "--entrypoints.w.forwardedheaders.trustedips=1.2.3.4"], want: ["10.0.0.0/8", "1.2.3.4"] },
  ];
  test.each(cases)("$name", ({ args, want }) => {
    const { config, diagnostics } = loadStaticConfig(["--entrypoints.w.address=:80", ...args], {});
    expect(diagnostics).toEqual([]);
    expect(config.entryPoints.w.forwardedHeaders.trustedIPs).toEqual(want);
  });

  test("indexed lists of sections and number lists", () => {
    const { config, diagnostics } = loadStaticConfig(
      [
        "--entrypoints.websecure.address=:443",
        "--entrypoints.websecure.http.tls.certResolver=le",
        "--entrypoints.websecure.http.tls.domains[0].main=example.com",
        "--entrypoints.websecure.http.tls.domains[0].sans=*.example.com,www.example.org",
        "--entrypoints.websecure.http.tls.domains[1].main=example.net",
        "--metrics.prometheus.buckets=0.5,1,2.5",
        "--metrics.prometheus.entrypoint=websecure",
      ],
      {},
    );
    expect(diagnostics).toEqual([]);
    expect(config.entryPoints.websecure.http.tls).toEqual({
      certResolver: "le",
      domains: [{ main: "example.com", sans: ["*.example.com", "www.example.org"] }, { main: "example.net" }],
    });
    expect(config.metrics?.prometheus?.buckets).toEqual([0.5, 1, 2.5]);
  });
});

const YAML = `# static config
entryPoints:
  web:
    address: ":80"
    transport:
      respondingTimeouts:
        idleTimeout: 1m30s
        readTimeout: 5
      lifeCycle:
        graceTimeOut: 100ms
  websecure:
    address: "[::1]:8443"
    asDefault: true
    http:
      middlewares: [hsts@file]
      tls: {}
providers:
  providersThrottleDuration: 500ms
  file:
    directory: /etc/sluice/dynamic
api:
  insecure: true
log:
  level: WARN
accessLog:
  format: json
  filters:
    statusCodes: ["200", "300-302"]
    minDuration: 10ms
  fields:
    names:
      ClientUsername: drop
    headers:
      defaultMode: keep
serversTransport:
  insecureSkipVerify: true
  forwardingTimeouts:
    dialTimeout: 1s
global:
  checkNewVersion: false
  sendAnonymousUsage: false
`;

describe("YAML file", () => {
  const { config, diagnostics, configFile } = loadStaticConfig(["--configFile=/etc/sluice.yml"], {}, files({ "/etc/sluice.yml": YAML }));

  test("is read without diagnostics", () => {
    expect(diagnostics).toEqual([]);
    expect(configFile).toBe("/etc/sluice.yml");
  });

  test("durations become milliseconds, defaults fill the rest", () => {
    expect(config.entryPoints.web.transport).toEqual({
      respondingTimeouts: { readTimeoutMs: 5000, writeTimeoutMs: 0, idleTimeoutMs: 90_000 },
      lifeCycle: { requestAcceptGraceTimeoutMs: 0, graceTimeOutMs: 100 },
      keepAliveMaxRequests: 0,
      keepAliveMaxTimeMs: 0,
    });
    expect(config.providers).toEqual({ providersThrottleDurationMs: 500, file: { directory: "/etc/sluice/dynamic", watch: true } });
    expect(config.serversTransport).toEqual({
      insecureSkipVerify: true,
      rootCAs: [],
      maxIdleConnsPerHost: 200,
      forwardingTimeouts: { dialTimeoutMs: 1000, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 90_000 },
    });
  });

  test("entry point details", () => {
    expect(config.entryPoints.websecure).toMatchObject({ host: "::1", port: 8443, asDefault: true, http: { middlewares: ["hsts@file"], tls: {} } });
    // api.insecure creates `traefik` on :8080, as Traefik does
    expect(config.entryPoints.traefik.address).toBe(":8080");
    expect(config.api).toEqual({ insecure: true, dashboard: true, debug: false });
  });

  test("access log and log", () => {
    expect(config.accessLog).toEqual({
      format: "json",
      bufferingSize: 0,
      filters: { statusCodes: ["200", "300-302"], minDurationMs: 10 },
      fields: { defaultMode: "keep", names: { ClientUsername: "drop" }, headers: { defaultMode: "keep", names: {} } },
    });
    expect(config.log).toEqual({ level: "WARN", format: "common" });
    expect("global" in config).toBe(false);
  });
});

describe("source precedence", () => {
  const file = "entryPoints:\n  web:\n    address: ':80'\nlog:\n  level: DEBUG\napi: {}\n";
  const read = files({ "s.yml": file });

  test("flags override the file, option by option", () => {
    const { config, diagnostics } = loadStaticConfig(["--configFile", "s.yml", "--log.level=INFO", "--entrypoints.web.transport.respondingtimeouts.idletimeout=30"], {}, read);
    expect(diagnostics).toEqual([]);
    expect(config.log.level).toBe("INFO");
    expect(config.entryPoints.web.address).toBe(":80"); // from the file
    expect(config.entryPoints.web.transport.respondingTimeouts.idleTimeoutMs).toBe(30_000); // from a flag
    expect(config.api).toBeDefined();
  });

  test("a flag can switch off a section the file enables", () => {
    const { config } = loadStaticConfig(["--configFile=s.yml", "--api=false"], {}, read);
    expect(config.api).toBeUndefined();
  });

  test("env is ignored when a file is given", () => {
    const { config } = loadStaticConfig(["--configFile=s.yml"], { SLUICE_LOG_LEVEL: "PANIC" }, read);
    expect(config.log.level).toBe("DEBUG");
  });

  test("env is the source when there are no flags and no file", () => {
    const { config, diagnostics } = loadStaticConfig([], {
      SLUICE_ENTRYPOINTS_WEB_ADDRESS: ":8081",
      SLUICE_ENTRYPOINTS_WEB_FORWARDEDHEADERS_TRUSTEDIPS: "10.0.0.0/8,1.2.3.4",
      TRAEFIK_ACCESSLOG: "true",
      SLUICE_PROVIDERS_FILE_FILENAME: "/d.yml",
      SLUICE_PROVIDERS_FILE_WATCH: "false",
      SLUICE_METRICS_PROMETHEUS: "true",
      SLUICE_METRICS_PROMETHEUS_ENTRYPOINT: "web",
    });
    expect(diagnostics).toEqual([]);
    expect(config.entryPoints.web).toMatchObject({ port: 8081, forwardedHeaders: { trustedIPs: ["10.0.0.0/8", "1.2.3.4"] } });
    expect(config.accessLog?.format).toBe("common");
    expect(config.providers.file).toEqual({ filename: "/d.yml", watch: false });
    expect(config.metrics?.prometheus?.entryPoint).toBe("web");
  });

  test("SLUICE_CONFIGFILE names the file when no flags are given; other variables are then ignored", () => {
    const { config, configFile } = loadStaticConfig([], { SLUICE_CONFIGFILE: "s.yml", SLUICE_LOG_LEVEL: "PANIC" }, read);
    expect(configFile).toBe("s.yml");
    expect(config.log.level).toBe("DEBUG");
  });
});

describe("other Traefik flags seen in the wild are accepted", () => {
  const accepted: string[][] = [
    ["--global.checknewversion=false", "--global.sendanonymoususage=false"],
    ["--api.dashboard=true", "--api.insecure=true", "--api.debug"],
    ["--serverstransport.insecureskipverify=true", "--serversTransport.rootCAs=/a.pem,/b.pem", "--serverstransport.maxidleconnsperhost=50"],
    ["--providers.kubernetescrd.namespaces=default,kube-system", "--providers.kubernetescrd.allowCrossNamespace=true", "--providers.kubernetescrd.allowexternalnameservices"],
    ["--providers.kubernetesingress.ingressclass=traefik", "--providers.kubernetesingress.ingressendpoint.publishedservice=kube-system/traefik"],
    ["--providers.providersThrottleDuration=10", "--providers.file.filename=/d.yml", "--providers.file.watch=false"],
    ["--entrypoints.websecure.address=:443", "--entrypoints.websecure.http.tls=true", "--entrypoints.websecure.http.tls.options=default@file", "--entrypoints.websecure.http.middlewares=a@file,b@kubernetescrd"],
    ["--entrypoints.web.address=:80", "--entrypoints.web.forwardedHeaders.insecure", "--entrypoints.web.transport.lifeCycle.requestAcceptGraceTimeout=5", "--entrypoints.web.transport.lifecycle.gracetimeout=30s"],
    ["--entrypoints.web.address=:80", "--entrypoints.web.http.redirections.entrypoint.to=:443", "--entrypoints.web.http.redirections.entrypoint.permanent=false", "--entrypoints.web.http.redirections.entrypoint.priority=10"],
    ["--certificatesresolvers.le.acme.dnschallenge.provider=cloudflare", "--certificatesresolvers.le.acme.dnschallenge.delaybeforecheck=30", "--certificatesresolvers.le.acme.dnschallenge.resolvers=1.1.1.1:53,8.8.8.8:53", "--certificatesresolvers.le.acme.caserver=https://acme-staging-v02.api.letsencrypt.org/directory", "--certificatesresolvers.le.acme.keytype=EC256"],
    ["--accesslog.filepath=/var/log/access.log", "--accesslog.format=json", "--accesslog.bufferingsize=100", "--accesslog.fields.defaultmode=keep", "--accesslog.fields.headers.names.User-Agent=redact", "--accesslog.filters.retryattempts", "--accesslog.filters.minduration=10ms"],
    ["--log.format=json", "--log.filePath=/var/log/sluice.log", "--ping.terminatingstatuscode=204", "--metrics.prometheus.addrouterslabels=true", "--metrics.prometheus.prefix=traefik"],
  ];
  test.each(accepted)("%p", (...args) => {
    const { diagnostics } = loadStaticConfig(args, {});
    expect(diagnostics).toEqual([]);
  });

  test("values land where expected", () => {
    const { config } = loadStaticConfig(
      [
        "--entrypoints.web.address=:80",
        "--entrypoints.web.http.redirections.entrypoint.to=:443",
        "--entrypoints.web.http.redirections.entrypoint.priority=10",
        "--accesslog.fields.headers.names.User-Agent=redact",
        "--certificatesresolvers.le.acme.dnschallenge.provider=cloudflare",
        "--certificatesresolvers.le.acme.dnschallenge.delaybeforecheck=30",
        "--global.checknewversion=false",
      ],
      {},
    );
    expect(config.entryPoints.web.http.redirections?.entryPoint).toEqual({ to: ":443", scheme: "https", permanent: true, priority: 10 });
    expect(config.accessLog?.fields?.headers.names).toEqual({ "User-Agent": "redact" });
    expect(config.certificatesResolvers.le.acme?.dnsChallenge).toEqual({ provider: "cloudflare", delayBeforeCheckMs: 30_000 });
    expect("global" in config).toBe(false);
  });

  test("YAML `key:` with nothing enables a section", () => {
    const { config, diagnostics } = loadStaticConfig(["--configFile=s.yml"], {}, files({ "s.yml": "accessLog:\nping:\nentryPoints:\n  traefik:\n    address: ':9000'\n" }));
    expect(diagnostics).toEqual([]);
    expect(config.accessLog?.format).toBe("common");
    expect(config.ping?.terminatingStatusCode).toBe(503);
  });
});
