import type { DynamicConfig } from "../config/dynamic/types.ts";
import { startWhoami, type Whoami } from "../demo/whoami.ts";

/** The built-in demo backend routers can name as `whoami@internal`. */
export const DEMO_SERVICE = "whoami@internal";

/**
 * When some router uses the demo service, starts the whoami backend on a
 * loopback port (once) and adds a load balancer for it to the config, so the
 * demo goes through the real proxy path.
 */
export class DemoService {
  private whoami: Whoami | null = null;

  inject(config: DynamicConfig): DynamicConfig {
    const routers = Object.values(config.http?.routers ?? {});
    if (!routers.some((r) => r.service === DEMO_SERVICE)) return config;
    this.whoami ??= startWhoami({ port: 0, hostname: "127.0.0.1", name: "sluice-demo" });
    return {
      ...config,
      http: {
        ...config.http,
        services: { ...config.http?.services, [DEMO_SERVICE]: { loadBalancer: { servers: [{ url: this.whoami.url }] } } },
      },
    };
  }

  stop(): void {
    this.whoami?.stop();
    this.whoami = null;
  }
}
