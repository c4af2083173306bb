import type { EntryPointConfig } from "../config/static/types.ts";
import { IpRangeList } from "../net/ip-range.ts";
import type { ForwardedTrust } from "./forwarded-headers.ts";

/** What both fronts (Bun.serve and raw) share: name, config, trust, port, in-flight count. */
export abstract class EntryPointBase {
  protected readonly trust: ForwardedTrust;
  protected boundPort = 0;
  inFlight = 0;

  constructor(readonly name: string, readonly config: EntryPointConfig) {
    const { list, invalid } = IpRangeList.parse(config.forwardedHeaders.trustedIPs);
    if (invalid.length) throw new Error(`entryPoints.${name}.forwardedHeaders.trustedIPs: invalid ${invalid.join(", ")}`);
    this.trust = { insecure: config.forwardedHeaders.insecure, trusted: list };
  }

  /** The bound port (the configured one until started; differs when configured as 0). */
  get port(): number {
    return this.boundPort || this.config.port;
  }

  abstract start(): void | Promise<void>;
  abstract stop(force?: boolean): Promise<void>;
}
