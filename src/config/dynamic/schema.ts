// Traefik's dynamic configuration (file provider) as data. Key names are the
// canonical spelling; Traefik matches them case-insensitively, and so do we.
import { MIDDLEWARE_KINDS } from "./middleware-kinds.ts";
import {
  bool,
  duration,
  int,
  list,
  mapOf,
  oneOfStrings,
  raw,
  section,
  str,
  strList,
  type FieldSchema,
  type PostFinding,
  type SectionSchema,
} from "./schema-types.ts";

/** What a backend server URL must look like. */
export function checkServerUrl(value: string): string | undefined {
  const expected = "an absolute http://, https:// or h2c:// URL, e.g. http://10.0.0.1:8080";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return expected;
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:" && url.protocol !== "h2c:") || url.hostname === "") return expected;
  return undefined;
}

const certificate = section({ certFile: str, keyFile: str }, { required: ["certFile", "keyFile"] });

const stickyCookie = section({
  name: str,
  secure: bool,
  httpOnly: bool,
  sameSite: str,
  maxAge: int,
  path: str,
  domain: str,
});
const sticky = section({ cookie: section(stickyCookie.fields, { bare: true }) });

const healthCheck = section({
  path: str,
  method: str,
  scheme: str,
  mode: str,
  hostname: str,
  port: int,
  interval: duration,
  unhealthyInterval: duration,
  timeout: duration,
  headers: mapOf(str),
  status: int,
  followRedirects: bool,
});

/** weighted/mirroring/failover accept `healthCheck: {}` (propagate child status). */
const emptyHealthCheck = section({}, { bare: true });

function warnNoServers(lb: Record<string, unknown>): PostFinding[] {
  const servers = lb.servers as unknown[] | undefined;
  if (servers && servers.length > 0) return [];
  return [{ severity: "warning", message: "the load balancer has no servers; requests to it get 503" }];
}

const loadBalancer = section(
  {
    servers: list(section({ url: { kind: "string", check: checkServerUrl }, weight: int }, { required: ["url"] })),
    passHostHeader: bool,
    healthCheck,
    sticky,
    responseForwarding: section({ flushInterval: duration }),
    serversTransport: str,
    strategy: oneOfStrings(["wrr", "p2c", "leasttime"]),
    passiveHealthCheck: section({ failureWindow: duration, maxFailedAttempts: int }),
  },
  { post: warnNoServers },
);

const service = section(
  {
    loadBalancer,
    weighted: section(
      {
        services: list(section({ name: str, weight: int }, { required: ["name"] })),
        sticky,
        healthCheck: emptyHealthCheck,
      },
      { required: ["services"] },
    ),
    mirroring: section(
      {
        service: str,
        maxBodySize: int,
        mirrorBody: bool,
        mirrors: list(section({ name: str, percent: int }, { required: ["name"] })),
        healthCheck: emptyHealthCheck,
      },
      { required: ["service"] },
    ),
    failover: section({ service: str, fallback: str, healthCheck: emptyHealthCheck }, { required: ["service", "fallback"] }),
  },
  { oneOf: { what: "service type" } },
);

const router = section(
  {
    entryPoints: strList,
    rule: str,
    ruleSyntax: oneOfStrings(["v2", "v3"]),
    priority: int,
    middlewares: strList,
    service: str,
    tls: section(
      {
        certResolver: str,
        options: str,
        domains: list(section({ main: str, sans: strList }, { required: ["main"] })),
      },
      { bare: true },
    ),
  },
  { required: ["rule", "service"] },
);

const middleware = section(Object.fromEntries(MIDDLEWARE_KINDS.map((k) => [k, raw])), {
  oneOf: { what: "middleware kind", hint: "e.g. stripPrefix, headers, redirectScheme" },
});

const serversTransport = section({
  serverName: str,
  insecureSkipVerify: bool,
  rootCAs: strList,
  certificates: list(certificate),
  maxIdleConnsPerHost: int,
  // http:// and https:// servers are spoken to over HTTP/1.1, which is what disableHTTP2 asks for (h2c:// ones over HTTP/2, as their URL says).
  disableHTTP2: bool,
  peerCertURI: { kind: "unsupported", message: "peerCertURI is not supported: backend certificates are checked against rootCAs and serverName only" },
  forwardingTimeouts: section({
    dialTimeout: duration,
    responseHeaderTimeout: duration,
    idleConnTimeout: duration,
    // HTTP/2 health pings to h2c:// servers (h2c-sessions.ts).
    readIdleTimeout: duration,
    pingTimeout: duration,
  }),
});

const tlsOption = section({
  minVersion: str,
  maxVersion: str,
  cipherSuites: strList,
  curvePreferences: strList,
  clientAuth: section({ caFiles: strList, clientAuthType: str }),
  sniStrict: bool,
  preferServerCipherSuites: bool,
  alpnProtocols: strList,
  disableSessionTickets: bool,
});

const tlsStore = section({
  defaultCertificate: certificate,
  defaultGeneratedCert: {
    kind: "unsupported",
    message: "defaultGeneratedCert is not supported yet: the default certificate is defaultCertificate or a generated self-signed one",
  },
});

const TCP_UDP = "tcp/udp routing is not supported by Sluice yet";

export const DYNAMIC_SCHEMA: SectionSchema = section({
  http: section({
    routers: mapOf(router),
    services: mapOf(service),
    middlewares: mapOf(middleware),
    serversTransports: mapOf(serversTransport),
  }),
  tcp: { kind: "unsupported", message: `${TCP_UDP}; the tcp section is ignored` },
  udp: { kind: "unsupported", message: `${TCP_UDP}; the udp section is ignored` },
  tls: section({
    certificates: list(section({ ...certificate.fields, stores: strList }, { required: ["certFile", "keyFile"] })),
    options: mapOf(tlsOption),
    stores: mapOf(tlsStore),
  }),
});

export type { FieldSchema };
