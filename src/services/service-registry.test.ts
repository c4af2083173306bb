import { describe, expect, test } from "bun:test";
import type { HttpConfig } from "../config/dynamic/types.ts";
import type { GlobalServersTransport } from "../config/static/types.ts";
import { FailoverService } from "./failover-service.ts";
import { LoadBalancerService } from "./load-balancer-service.ts";
import { MirroringService } from "./mirroring-service.ts";
import { FakeClient } from "./service-testing.ts";
import { ServiceRegistry } from "./service-registry.ts";
import { WeightedService } from "./weighted-service.ts";

const GLOBAL: GlobalServersTransport = {
  insecureSkipVerify: false,
  rootCAs: [],
  maxIdleConnsPerHost: 2,
  forwardingTimeouts: { dialTimeoutMs: 1000, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 1000 },
};
const lb = (host: string, extra: Record<string, unknown> = {}) => ({ loadBalancer: { servers: [{ url: `http://${host}` }], ...extra } });
const hc = { healthCheck: { path: "/health", interval: "1h" } };

function build(services: HttpConfig["services"], registry = new ServiceRegistry(() => new FakeClient(), { dryRun: true }, "sluice")) {
  const built = registry.build({ services }, GLOBAL);
  const problems = built.diagnostics.map((d) => `${d.severity} ${d.path}: ${d.message}`);
  return { built, problems, registry };
}

describe("ServiceRegistry", () => {
  test("builds every kind, in any order of definition", () => {
    const { built, problems } = build({
      canary: { weighted: { services: [{ name: "a", weight: 3 }, { name: "b" }] } },
      shadow: { mirroring: { service: "a", mirrors: [{ name: "b", percent: 10 }] } },
      fo: { failover: { service: "a", fallback: "b" } },
      a: lb("a.test", hc),
      b: lb("b.test"),
    });
    expect(problems).toEqual([]);
    const kinds = Object.fromEntries([...built.services].map(([n, s]) => [n, s.constructor.name]));
    expect(kinds).toEqual({ canary: WeightedService.name, shadow: MirroringService.name, fo: FailoverService.name, a: LoadBalancerService.name, b: LoadBalancerService.name });
  });

  const broken: { name: string; services: HttpConfig["services"]; disabled: string[]; problem: RegExp }[] = [
    { name: "unknown child", services: { w: { weighted: { services: [{ name: "nope" }] } } }, disabled: ["w"], problem: /error http.services.w.weighted: service "nope" does not exist/ },
    { name: "unknown mirror", services: { a: lb("a.test"), m: { mirroring: { service: "a", mirrors: [{ name: "x", percent: 5 }] } } }, disabled: ["m"], problem: /mirrors\[0\]: service "x" does not exist/ },
    { name: "unknown fallback", services: { a: lb("a.test"), f: { failover: { service: "a", fallback: "x" } } }, disabled: ["f"], problem: /service "x" does not exist/ },
    { name: "cycle", services: { x: { weighted: { services: [{ name: "y" }] } }, y: { failover: { service: "x", fallback: "x" } } }, disabled: ["x", "y"], problem: /refers back to itself/ },
    { name: "percent over 100", services: { a: lb("a.test"), m: { mirroring: { service: "a", mirrors: [{ name: "a", percent: 120 }] } } }, disabled: ["m"], problem: /percent must be between 0 and 100/ },
    { name: "child disabled by a missing transport", services: { a: lb("a.test", { serversTransport: "t" }), w: { weighted: { services: [{ name: "a" }] } } }, disabled: ["a", "w"], problem: /service "a" is disabled/ },
  ];
  for (const c of broken) {
    test(`disables the parent: ${c.name}`, () => {
      const { built, problems } = build(c.services);
      for (const n of c.disabled) expect(built.services.has(n)).toBe(false);
      expect(problems.some((p) => c.problem.test(p))).toBe(true);
    });
  }

  const warnings: { name: string; services: HttpConfig["services"]; warning: RegExp }[] = [
    { name: "failover over a main without health checks", services: { a: lb("a.test"), b: lb("b.test"), f: { failover: { service: "a", fallback: "b" } } }, warning: /failover never switches/ },
    { name: "healthCheck {} over a child without health checks", services: { a: lb("a.test"), w: { weighted: { services: [{ name: "a" }], healthCheck: {} } } }, warning: /always up/ },
    { name: "an unusable healthCheck interval (the default is used)", services: { a: lb("a.test", { healthCheck: { path: "/h", interval: "0s" } }) }, warning: /healthCheck\.interval must be above zero/ },
    { name: "a mirror with percent 0", services: { a: lb("a.test"), m: { mirroring: { service: "a", mirrors: [{ name: "a" }] } } }, warning: /receives no traffic/ },
  ];
  for (const c of warnings) {
    test(`warns: ${c.name}`, () => {
      const { built, problems } = build(c.services);
      expect(built.services.size).toBe(Object.keys(c.services!).length);
      expect(problems.some((p) => p.startsWith("warning") && c.warning.test(p))).toBe(true);
    });
  }

  test("unchanged services (children included) are reused across builds; changed ones are rebuilt", () => {
    const first = build({ a: lb("a.test"), b: lb("b.test"), w: { weighted: { services: [{ name: "a" }, { name: "b" }] } } });
    const again = build({ a: lb("a.test"), b: lb("b.test"), w: { weighted: { services: [{ name: "a" }, { name: "b" }] } } }, first.registry);
    expect(again.built.services.get("w")).toBe(first.built.services.get("w")!);
    const changed = build({ a: lb("a.test"), b: lb("b2.test"), w: { weighted: { services: [{ name: "a" }, { name: "b" }] } } }, first.registry);
    expect(changed.built.services.get("a")).toBe(first.built.services.get("a")!);
    expect(changed.built.services.get("w")).not.toBe(first.built.services.get("w")!);
  });
});
