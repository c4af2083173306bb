// ACME certificates for Sluice: see manager.ts. The lead wires certificates()
// and onChange() into the TLS store and httpChallenge() into the entrypoint
// named by each resolver's httpChallenge.entryPoint.
export { AcmeManager, type AcmeManagerOptions } from "./manager.ts";
export type { DomainSet, DomainSetStatus, ManagedCertificate, WantedCertificate } from "./types.ts";
export type { AcmeMetrics } from "./metrics.ts";
export { renewDurations } from "./renew-window.ts";
export { ACME_CHALLENGE_PREFIX, httpChallengeResponse } from "./http-challenge.ts";
