// Collects what every provider emits and decides when to recompile:
// - a message with an error is reported and ignored: that provider's last
//   good config keeps serving;
// - a config equal to the one already in place is dropped (no recompile);
// - after applying a provider's config, its next one waits `throttleMs`
//   (Traefik's providersThrottleDuration), and only the newest waiting one
//   is applied. A provider's first config is applied at once.
// Applying merges every provider's current config (name@provider) and hands
// the result to `onConfig`.
import { hasErrors, type Diagnostic } from "../config/diagnostic.ts";
import { mergeProviders } from "../config/dynamic/merge.ts";
import { stableStringify } from "../config/dynamic/stable-json.ts";
import type { DynamicConfig } from "../config/dynamic/types.ts";
import type { Locator } from "../config/dynamic/locate.ts";
import type { Provider, ProviderMessage } from "./provider.ts";

export interface ConfigWatcherOptions {
  throttleMs: number;
  onConfig: (merged: DynamicConfig, diagnostics: Diagnostic[]) => void;
  onReloadResult?: (ok: boolean, diagnostics: Diagnostic[]) => void;
}

interface Keyed {
  message: ProviderMessage;
  /**
   * A 64-bit hash of the config's stable JSON, to compare configs cheaply
   * without keeping a second copy of a large config as text.
   */
  key: bigint;
}

interface ProviderState {
  applied?: Keyed;
  appliedAt: number;
  pending?: Keyed;
  timer?: ReturnType<typeof setTimeout>;
}

export class ConfigWatcher {
  private readonly providers: Provider[] = [];
  /** Insertion order = order providers were first heard from; merge order follows it. */
  private readonly states = new Map<string, ProviderState>();
  private signal?: AbortSignal;

  constructor(private readonly opts: ConfigWatcherOptions) {}

  add(provider: Provider): void {
    this.providers.push(provider);
    if (this.signal) this.startProvider(provider, this.signal);
  }

  start(signal: AbortSignal): void {
    this.signal = signal;
    signal.addEventListener("abort", () => this.stop(), { once: true });
    for (const p of this.providers) this.startProvider(p, signal);
  }

  private startProvider(provider: Provider, signal: AbortSignal): void {
    provider.start((m) => this.receive(m), signal).catch((e: unknown) => {
      if (signal.aborted) return;
      this.opts.onReloadResult?.(false, [
        { severity: "error", message: `provider ${provider.name} failed: ${e instanceof Error ? e.message : String(e)}` },
      ]);
    });
  }

  private receive(message: ProviderMessage): void {
    if (this.signal?.aborted) return;
    if (hasErrors(message.diagnostics)) {
      this.opts.onReloadResult?.(false, message.diagnostics);
      return;
    }
    const state = this.stateOf(message.provider);
    const next: Keyed = { message, key: BigInt(Bun.hash(stableStringify(message.config))) };
    if (state.pending) {
      // Only the newest waiting config counts; if it is what is already in place, nothing is waiting.
      if (next.key === state.applied?.key) this.clearPending(state);
      else state.pending = next;
      return;
    }
    if (next.key === state.applied?.key) return;
    const wait = state.appliedAt + this.opts.throttleMs - Date.now();
    if (!state.applied || wait <= 0) {
      this.apply(state, next);
      return;
    }
    state.pending = next;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      const pending = state.pending;
      state.pending = undefined;
      if (pending && !this.signal?.aborted) this.apply(state, pending);
    }, wait);
  }

  private apply(state: ProviderState, next: Keyed): void {
    const previous = state.applied;
    state.applied = next;
    state.appliedAt = Date.now();
    const byProvider = new Map<string, DynamicConfig>();
    const diagnostics: Diagnostic[] = [];
    for (const [name, s] of this.states) {
      if (!s.applied) continue;
      byProvider.set(name, s.applied.message.config);
      diagnostics.push(...s.applied.message.diagnostics);
    }
    const merged = mergeProviders(byProvider);
    try {
      this.opts.onConfig(merged.config, [...diagnostics, ...merged.diagnostics]);
    } catch (e) {
      state.applied = previous;
      this.opts.onReloadResult?.(false, [
        { severity: "error", message: `applying the configuration failed: ${e instanceof Error ? e.message : String(e)}` },
      ]);
      return;
    }
    this.opts.onReloadResult?.(true, next.message.diagnostics);
  }

  /** The locators of the configs in place, by provider name. */
  locators(): Map<string, Locator> {
    const out = new Map<string, Locator>();
    for (const [name, s] of this.states) if (s.applied?.message.locate) out.set(name, s.applied.message.locate);
    return out;
  }

  private stateOf(provider: string): ProviderState {
    let state = this.states.get(provider);
    if (!state) {
      state = { appliedAt: -Infinity };
      this.states.set(provider, state);
    }
    return state;
  }

  private clearPending(state: ProviderState): void {
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = undefined;
    state.pending = undefined;
  }

  private stop(): void {
    for (const state of this.states.values()) this.clearPending(state);
  }
}
