import type { Diagnostic } from "../config/diagnostic.ts";
import type { Locator } from "../config/dynamic/locate.ts";
import type { DynamicConfig } from "../config/dynamic/types.ts";

/**
 * What a provider hands to the config watcher. `config` is what the provider
 * currently sees; when `diagnostics` hold an error the watcher keeps that
 * provider's last good config and reports the failure instead.
 */
export interface ProviderMessage {
  provider: string;
  config: DynamicConfig;
  diagnostics: Diagnostic[];
  /** Where an element's key path is in the provider's sources, for diagnostics found after merging. */
  locate?: Locator;
}

export type Emit = (message: ProviderMessage) => void;

export interface Provider {
  /** Qualifier used in `name@provider`, e.g. "file". */
  readonly name: string;
  /** Emit the first config as soon as it is read, then on every change, until `signal` aborts. */
  start(emit: Emit, signal: AbortSignal): Promise<void>;
}
