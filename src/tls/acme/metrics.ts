// ACME metrics: orders and failures per resolver, and each held certificate's
// not-after (seconds since the epoch, like Traefik's tls_certs_not_after).
import { Counter, Gauge, type Registry } from "prom-client";

export interface AcmeMetrics {
  orderStarted(resolver: string): void;
  orderFailed(resolver: string): void;
  certNotAfter(resolver: string, main: string, sans: string[], notAfter: Date): void;
}

export const noMetrics: AcmeMetrics = {
  orderStarted() {},
  orderFailed() {},
  certNotAfter() {},
};

/** Registers `<prefix>_acme_orders_total`, `<prefix>_acme_order_failures_total`, `<prefix>_acme_cert_not_after` on `registry`. */
export function promAcmeMetrics(registry: Registry, prefix = "sluice"): AcmeMetrics {
  // An empty prefix drops it (and its underscore), as for the other families.
  const named = (n: string) => (prefix ? `${prefix}_${n}` : n);
  const orders = new Counter({ name: named("acme_orders_total"), help: "ACME certificate orders started.", labelNames: ["resolver"], registers: [registry] });
  const failures = new Counter({
    name: named("acme_order_failures_total"),
    help: "ACME certificate orders that failed.",
    labelNames: ["resolver"],
    registers: [registry],
  });
  const notAfter = new Gauge({
    name: named("acme_cert_not_after"),
    help: "Expiry of each certificate held by an ACME resolver, in seconds since the epoch.",
    labelNames: ["resolver", "cn", "sans"],
    registers: [registry],
  });
  return {
    orderStarted: (resolver) => orders.inc({ resolver }),
    orderFailed: (resolver) => failures.inc({ resolver }),
    certNotAfter: (resolver, main, sans, date) => notAfter.set({ resolver, cn: main, sans: sans.join(",") }, Math.floor(date.getTime() / 1000)),
  };
}
