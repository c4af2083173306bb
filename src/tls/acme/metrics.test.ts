import { expect, test } from "bun:test";
import { Registry } from "prom-client";
import { promAcmeMetrics } from "./metrics.ts";

test.each([
  ["sluice", "sluice_acme_orders_total"],
  ["traefik", "traefik_acme_orders_total"],
  ["", "acme_orders_total"],
])("prefix %p names the families %p", async (prefix, name) => {
  const registry = new Registry();
  promAcmeMetrics(registry, prefix).orderStarted("le");
  const text = await registry.metrics();
  expect(text).toContain(`${name}{resolver="le"} 1`);
  expect(text).not.toContain(" _acme");
});
