// The middleware kinds Traefik's dynamic configuration knows (v2 and v3).
// Validation only checks that a middleware names one of these; whether
// Sluice implements it, and its options, are checked when it is compiled.

export const MIDDLEWARE_KINDS: readonly string[] = [
  "addPrefix",
  "basicAuth",
  "buffering",
  "chain",
  "circuitBreaker",
  "compress",
  "contentType",
  "digestAuth",
  "encodedCharacters",
  "errors",
  "forwardAuth",
  "grpcWeb",
  "headers",
  "inFlightReq",
  "ipAllowList",
  "ipWhiteList",
  "passTLSClientCert",
  "plugin",
  "rateLimit",
  "redirectRegex",
  "redirectScheme",
  "replacePath",
  "replacePathRegex",
  "retry",
  "stripPrefix",
  "stripPrefixRegex",
];

