// Traefik's static options (v2 and v3), with Traefik's defaults. Names are
// the canonical camelCase ones; matching is case-insensitive. Options Traefik
// has but Sluice does not implement are `unsupported`: accepted with a warning.
import type { ListSchema, MapSchema, ScalarSchema, SchemaNode, SectionSchema } from "./schema.ts";

const str = (def?: string, extra: Partial<ScalarSchema> = {}): ScalarSchema => ({ kind: "string", default: def, ...extra });
const bool = (def?: boolean): ScalarSchema => ({ kind: "bool", default: def });
const int = (def?: number): ScalarSchema => ({ kind: "int", default: def });
const dur = (defMs?: number): ScalarSchema => ({ kind: "duration", default: defMs });
const strList = (def?: string[], extra: Partial<ScalarSchema> = {}): ListSchema => ({ kind: "list", item: str(undefined, extra), default: def });
const section = (fields: Record<string, SchemaNode>, opts: Partial<SectionSchema> = {}): SectionSchema => ({ kind: "section", fields, ...opts });
const map = (value: SchemaNode, opts: Partial<MapSchema> = {}): MapSchema => ({ kind: "map", value, ...opts });
const unsupported = (note?: string): SchemaNode => ({ kind: "unsupported", note });

const FIELD_MODE: ScalarSchema = { kind: "enum", values: ["keep", "drop", "redact"] };

const trustSection = (opts: Partial<SectionSchema> = {}) =>
  section({ trustedIPs: strList([]), insecure: bool(false), connection: unsupported() }, opts);

const entryPoint = section(
  {
    address: { kind: "address" },
    forwardedHeaders: trustSection({ always: true }),
    proxyProtocol: trustSection({ bare: true }),
    transport: section(
      {
        respondingTimeouts: section(
          { readTimeout: dur(0), writeTimeout: dur(0), idleTimeout: dur(180_000) },
          { always: true },
        ),
        lifeCycle: section({ requestAcceptGraceTimeout: dur(0), graceTimeOut: dur(10_000) }, { always: true }),
        // 0 = no limit (Traefik's default). HTTP/1.1 keep-alive connections only.
        keepAliveMaxRequests: int(0),
        keepAliveMaxTime: dur(0),
      },
      { always: true },
    ),
    http: section(
      {
        redirections: section({
          entryPoint: section(
            { to: str(), scheme: str("https"), permanent: bool(true), priority: int() },
            { required: ["to"] },
          ),
        }),
        middlewares: strList([]),
        tls: section(
          {
            options: str(),
            certResolver: str(),
            domains: { kind: "objlist", item: section({ main: str(), sans: strList() }, { required: ["main"] }) },
          },
          { bare: true },
        ),
        encodeQuerySemicolons: unsupported(),
        sanitizePath: unsupported(),
        // Traefik (Go) defaults to 1 MiB; Sluice keeps nginx's 32 KiB unless this is set.
        maxHeaderBytes: int(),
        encodedCharacters: unsupported(),
      },
      { always: true },
    ),
    // Traefik's defaults. Our response encoder never indexes, so maxEncoderHeaderTableSize only bounds what it already does.
    http2: section(
      { maxConcurrentStreams: int(250), maxDecoderHeaderTableSize: int(4096), maxEncoderHeaderTableSize: int(4096) },
      { always: true },
    ),
    http3: unsupported("HTTP/3 is not supported"),
    udp: unsupported("UDP entry points are not supported"),
    asDefault: bool(),
    reusePort: unsupported(),
    observability: unsupported(),
    allowACMEByPass: unsupported(),
  },
  { required: ["address"] },
);

const kubernetesCommon: Record<string, SchemaNode> = {
  endpoint: str(),
  token: str(),
  certAuthFilePath: str(),
  namespaces: strList([]),
  labelSelector: str(),
  ingressClass: str(),
  throttleDuration: dur(0),
  allowEmptyServices: bool(false),
  allowExternalNameServices: bool(false),
  nativeLBByDefault: bool(false),
  disableClusterScopeResources: bool(false),
};

const kubernetesCRD = section(
  { ...kubernetesCommon, allowCrossNamespace: bool(false), disablePassHostHeaders: bool(false) },
  { bare: true },
);

const kubernetesIngress = section(
  {
    ...kubernetesCommon,
    allowCrossNamespace: bool(false),
    disableIngressClassLookup: bool(false),
    ingressEndpoint: section({ ip: str(), hostname: str(), publishedService: str() }),
  },
  { bare: true },
);

const UNSUPPORTED_PROVIDERS = [
  "docker", "swarm", "kubernetesGateway", "consul", "consulCatalog", "nomad", "ecs", "marathon",
  "rancher", "etcd", "zooKeeper", "redis", "http", "plugin", "rest",
];

const acme = section(
  {
    email: str(),
    caServer: str("https://acme-v02.api.letsencrypt.org/directory"),
    storage: str("acme.json"),
    keyType: { kind: "enum", values: ["EC256", "EC384", "RSA2048", "RSA4096", "RSA8192"], default: "RSA4096" },
    preferredChain: str(),
    certificatesDuration: int(2160),
    eab: section({ kid: str(), hmacEncoded: str() }, { required: ["kid", "hmacEncoded"] }),
    httpChallenge: section({ entryPoint: str(), delay: unsupported() }, { bare: true, required: ["entryPoint"] }),
    tlsChallenge: section({}, { bare: true }),
    dnsChallenge: section(
      {
        provider: str(),
        delayBeforeCheck: dur(),
        resolvers: strList(),
        disablePropagationCheck: bool(),
        propagation: unsupported(),
      },
      { bare: true, required: ["provider"] },
    ),
    caCertificates: unsupported(),
    caSystemCertPool: unsupported(),
    caServerName: unsupported(),
    clientTimeout: unsupported(),
    clientResponseHeaderTimeout: unsupported(),
  },
  { bare: true },
);

const prometheus = section(
  {
    buckets: { kind: "list", item: { kind: "number" }, default: [0.1, 0.3, 1.2, 5] },
    addEntryPointsLabels: bool(true),
    addRoutersLabels: bool(false),
    addServicesLabels: bool(true),
    entryPoint: str("traefik"),
    manualRouting: bool(false),
    prefix: str("sluice"),
    headerLabels: unsupported(),
    addInternals: unsupported(),
  },
  { bare: true },
);

const STATUS_RANGE = /^\d{3}(-\d{3})?$/;

const accessLog = section(
  {
    filePath: str(),
    format: { kind: "enum", values: ["common", "json"], aliases: { genericclf: "common" }, default: "common" },
    bufferingSize: int(0),
    filters: section({
      statusCodes: strList(undefined, { pattern: STATUS_RANGE, expect: 'a status code or range like "200" or "300-302"' }),
      retryAttempts: bool(),
      minDuration: dur(),
    }),
    fields: section({
      defaultMode: { ...FIELD_MODE, default: "keep" },
      names: map(FIELD_MODE, { always: true }),
      headers: section(
        { defaultMode: { ...FIELD_MODE, default: "drop" }, names: map(FIELD_MODE, { always: true }) },
        { always: true },
      ),
    }),
    addInternals: unsupported(),
    otlp: unsupported(),
  },
  { bare: true },
);

export const STATIC_SCHEMA: SectionSchema = section(
  {
    global: section({ checkNewVersion: bool(), sendAnonymousUsage: bool() }),
    serversTransport: section(
      {
        insecureSkipVerify: bool(false),
        rootCAs: strList([]),
        maxIdleConnsPerHost: int(200),
        forwardingTimeouts: section(
          { dialTimeout: dur(30_000), responseHeaderTimeout: dur(0), idleConnTimeout: dur(90_000) },
          { always: true },
        ),
        spiffe: unsupported(),
      },
      { always: true },
    ),
    entryPoints: map(entryPoint, { always: true }),
    providers: section(
      {
        providersThrottleDuration: dur(2000),
        file: section(
          { filename: str(), directory: str(), watch: bool(true), debugLogGeneratedTemplate: unsupported("Go templates are not supported") },
          { bare: true },
        ),
        kubernetesCRD,
        kubernetesIngress,
        ...Object.fromEntries(UNSUPPORTED_PROVIDERS.map((p) => [p, unsupported(`the ${p} provider is not supported`)])),
      },
      { always: true },
    ),
    certificatesResolvers: map(section({ acme, tailscale: unsupported() }), { always: true }),
    api: section(
      { insecure: bool(false), dashboard: bool(true), debug: bool(false), basePath: unsupported(), disableDashboardAd: unsupported() },
      { bare: true },
    ),
    ping: section(
      { entryPoint: str("traefik"), manualRouting: bool(false), terminatingStatusCode: int(503) },
      { bare: true },
    ),
    metrics: section({
      prometheus,
      ...Object.fromEntries(["datadog", "statsD", "influxDB", "influxDB2", "otlp"].map((m) => [m, unsupported()])),
      addInternals: unsupported(),
    }),
    accessLog,
    log: section(
      {
        level: {
          kind: "enum",
          values: ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "PANIC"],
          aliases: { warning: "WARN" },
          default: "ERROR",
        },
        format: { kind: "enum", values: ["common", "json"], default: "common" },
        filePath: str(),
        noColor: unsupported(),
        maxSize: unsupported(),
        maxAge: unsupported(),
        maxBackups: unsupported(),
        compress: unsupported(),
        otlp: unsupported(),
      },
      { always: true },
    ),
    core: section({ defaultRuleSyntax: { kind: "enum", values: ["v2", "v3"], default: "v3" } }, { always: true }),
    tracing: unsupported("tracing is not supported"),
    experimental: unsupported(),
    hostResolver: unsupported(),
    pilot: unsupported(),
    hub: unsupported(),
    spiffe: unsupported(),
    ocsp: unsupported(),
    tcpServersTransport: unsupported(),
  },
  { always: true },
);
