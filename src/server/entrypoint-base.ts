import type { EntryPointConfig } from "../config/static/types.ts";
import { IpRangeList } from "../net/ip-range.ts";
import type { TlsListenerSpec } from "../tls/listener-spec.ts";
import type { ForwardedTrust } from "./forwarded-headers.ts";

/** What both fronts (Bun.serve and raw) share: name, config, trust, TLS, port, in-flight count. */
export abstract class EntryPointBase {
  protected readonly trust: ForwardedTrust;
  protected readonly scheme: "http" | "https";
  protected boundPort = 0;
  inFlight = 0;

  /** `tls` set: the entrypoint terminates TLS with that SNI table (changed later by updateTls). */
  constructor(readonly name: string, readonly config: EntryPointConfig, protected tls?: TlsListenerSpec) {
    this.scheme = tls ? "https" : "http";
    const { list, invalid } = IpRangeList.parse(config.forwardedHeaders.trustedIPs);
    if (invalid.length) throw new Error(`entryPoints.${name}.forwardedHeaders.trustedIPs: invalid ${invalid.join(", ")}`);
    this.trust = { insecure: config.forwardedHeaders.insecure, trusted: list };
  }

  /** The bound port (the configured one until started; differs when configured as 0). */
  get port(): number {
    return this.boundPort || this.config.port;
  }

  get isTls(): boolean {
    return this.tls !== undefined;
  }

  abstract start(): void | Promise<void>;
  /** Serves `spec` to new handshakes; false when only a new listener can apply it. */
  abstract updateTls(spec: TlsListenerSpec): boolean;
  abstract stop(force?: boolean): Promise<void>;
}
