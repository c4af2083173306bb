// The dynamic configuration shape, as Traefik's file provider defines it.
// Providers translate their source into this; nothing downstream cares where
// it came from except the `@provider` suffix added by merge.

export interface DynamicConfig {
  http?: HttpConfig;
  tls?: TlsConfig;
}

export interface HttpConfig {
  routers?: Record<string, RouterConfig>;
  services?: Record<string, ServiceConfig>;
  middlewares?: Record<string, MiddlewareConfig>;
  serversTransports?: Record<string, ServersTransportConfig>;
}

export interface RouterConfig {
  entryPoints?: string[];
  rule: string;
  ruleSyntax?: "v2" | "v3";
  priority?: number;
  middlewares?: string[];
  service: string;
  tls?: RouterTlsConfig;
}

export interface RouterTlsConfig {
  certResolver?: string;
  options?: string;
  domains?: { main: string; sans?: string[] }[];
}

export interface ServiceConfig {
  loadBalancer?: LoadBalancerConfig;
  weighted?: {
    services: { name: string; weight?: number }[];
    sticky?: { cookie?: StickyCookieConfig };
    healthCheck?: Record<string, never>;
  };
  mirroring?: {
    service: string;
    maxBodySize?: number;
    mirrorBody?: boolean;
    mirrors?: { name: string; percent?: number }[];
    healthCheck?: Record<string, never>;
  };
  failover?: { service: string; fallback: string; healthCheck?: Record<string, never> };
}

export interface LoadBalancerConfig {
  servers: ServerConfig[];
  passHostHeader?: boolean;
  healthCheck?: HealthCheckConfig;
  sticky?: { cookie?: StickyCookieConfig };
  responseForwarding?: { flushInterval?: string | number };
  serversTransport?: string;
  strategy?: "wrr" | "p2c" | "leasttime";
  /** Traefik v3.5: servers failing maxFailedAttempts times within failureWindow are taken out for that window. */
  passiveHealthCheck?: { failureWindow?: string | number; maxFailedAttempts?: number };
}

export interface ServerConfig {
  url: string;
  weight?: number;
}

export interface HealthCheckConfig {
  path?: string;
  method?: string;
  scheme?: string;
  /** "http" (default) or "grpc" (v3). */
  mode?: string;
  hostname?: string;
  port?: number;
  /** Go duration string ("10s") or seconds as a number. */
  interval?: string | number;
  unhealthyInterval?: string | number;
  timeout?: string | number;
  headers?: Record<string, string>;
  status?: number;
  followRedirects?: boolean;
}

export interface StickyCookieConfig {
  name?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: string;
  maxAge?: number;
  path?: string;
  domain?: string;
}

export interface ServersTransportConfig {
  serverName?: string;
  insecureSkipVerify?: boolean;
  rootCAs?: string[];
  /** Client certificates for mTLS to the backends. */
  certificates?: { certFile: string; keyFile: string }[];
  maxIdleConnsPerHost?: number;
  disableHTTP2?: boolean;
  peerCertURI?: string;
  forwardingTimeouts?: {
    dialTimeout?: string | number;
    responseHeaderTimeout?: string | number;
    idleConnTimeout?: string | number;
    readIdleTimeout?: string | number;
    pingTimeout?: string | number;
  };
}

/** Exactly one key: the middleware kind (`stripPrefix`, `headers`, ...). */
export type MiddlewareConfig = Record<string, unknown>;

export interface TlsConfig {
  certificates?: { certFile: string; keyFile: string; stores?: string[] }[];
  options?: Record<string, Record<string, unknown>>;
  stores?: Record<
    string,
    {
      defaultCertificate?: { certFile: string; keyFile: string };
      defaultGeneratedCert?: { resolver?: string; domain?: { main?: string; sans?: string[] } };
    }
  >;
}
