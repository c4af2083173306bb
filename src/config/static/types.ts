// Static configuration after loading and normalisation. Option names follow
// Traefik's; durations are normalised to milliseconds (Traefik accepts Go
// durations like "10s" or bare numbers meaning seconds).

export interface StaticConfig {
  entryPoints: Record<string, EntryPointConfig>;
  providers: ProvidersConfig;
  certificatesResolvers: Record<string, CertificateResolverConfig>;
  api?: { insecure: boolean; dashboard: boolean; debug: boolean };
  ping?: { entryPoint: string; manualRouting: boolean; terminatingStatusCode: number };
  metrics?: { prometheus?: PrometheusConfig };
  accessLog?: AccessLogConfig;
  log: { level: LogLevel; format: "common" | "json"; filePath?: string };
  serversTransport: GlobalServersTransport;
  core: { defaultRuleSyntax: "v2" | "v3" };
}

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL" | "PANIC" | "TRACE";

export interface EntryPointConfig {
  /** As written, e.g. ":80" or "127.0.0.1:8080" or "[::1]:8443". */
  address: string;
  /** Parsed from address; host "" means all interfaces. */
  host: string;
  port: number;
  forwardedHeaders: { trustedIPs: string[]; insecure: boolean };
  /** PROXY protocol (v1/v2) from these sources; absent when not configured. */
  proxyProtocol?: { trustedIPs: string[]; insecure: boolean };
  transport: {
    respondingTimeouts: { readTimeoutMs: number; writeTimeoutMs: number; idleTimeoutMs: number };
    lifeCycle: { requestAcceptGraceTimeoutMs: number; graceTimeOutMs: number };
    /** A keep-alive connection closes after this many requests / this long; 0 = no limit. */
    keepAliveMaxRequests: number;
    keepAliveMaxTimeMs: number;
  };
  http: {
    redirections?: { entryPoint: { to: string; scheme: string; permanent: boolean; priority?: number } };
    middlewares: string[];
    tls?: { options?: string; certResolver?: string; domains?: { main: string; sans?: string[] }[] };
    /** Request head size limit (HTTP/1.1 head, HTTP/2 header list); absent = Sluice's 32 KiB. */
    maxHeaderBytes?: number;
  };
  http2: { maxConcurrentStreams: number; maxDecoderHeaderTableSize: number; maxEncoderHeaderTableSize: number };
  asDefault?: boolean;
}

export interface ProvidersConfig {
  providersThrottleDurationMs: number;
  file?: { filename?: string; directory?: string; watch: boolean };
  kubernetesCRD?: KubernetesProviderConfig;
  kubernetesIngress?: KubernetesProviderConfig;
}

export interface KubernetesProviderConfig {
  endpoint?: string;
  token?: string;
  certAuthFilePath?: string;
  namespaces: string[];
  labelSelector?: string;
  ingressClass?: string;
  throttleDurationMs: number;
  allowCrossNamespace: boolean;
  allowEmptyServices: boolean;
  allowExternalNameServices: boolean;
  /** Any further option, kept verbatim for the provider to read. */
  [key: string]: unknown;
}

export interface CertificateResolverConfig {
  acme?: {
    email?: string;
    caServer?: string;
    storage?: string;
    keyType?: string;
    preferredChain?: string;
    certificatesDuration?: number;
    eab?: { kid: string; hmacEncoded: string };
    httpChallenge?: { entryPoint: string };
    tlsChallenge?: Record<string, never>;
    dnsChallenge?: {
      provider: string;
      delayBeforeCheckMs?: number;
      resolvers?: string[];
      disablePropagationCheck?: boolean;
    };
  };
}

export interface PrometheusConfig {
  buckets: number[];
  addEntryPointsLabels: boolean;
  addRoutersLabels: boolean;
  addServicesLabels: boolean;
  entryPoint: string;
  manualRouting: boolean;
  /** Metric name prefix; Traefik's dashboards need "traefik". Default "sluice". */
  prefix: string;
}

export interface AccessLogConfig {
  filePath?: string;
  format: "common" | "json";
  bufferingSize: number;
  filters?: { statusCodes?: string[]; retryAttempts?: boolean; minDurationMs?: number };
  fields?: {
    defaultMode: FieldMode;
    names: Record<string, FieldMode>;
    headers: { defaultMode: FieldMode; names: Record<string, FieldMode> };
  };
}

export type FieldMode = "keep" | "drop" | "redact";

export interface GlobalServersTransport {
  insecureSkipVerify: boolean;
  rootCAs: string[];
  maxIdleConnsPerHost: number;
  forwardingTimeouts: { dialTimeoutMs: number; responseHeaderTimeoutMs: number; idleConnTimeoutMs: number };
}
