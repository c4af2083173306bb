// The file provider: dynamic configuration from one YAML file or a directory
// of them, re-read on every change. Any burst of filesystem events (a plain
// write, an editor's write-temp-then-rename, a ConfigMap `..data` swap, a
// deletion) leads, after a short quiet time, to one full re-read.
import type { FSWatcher } from "chokidar";
import { dirname } from "node:path";
import type { Emit, Provider } from "../provider.ts";
import { readFileSource } from "./read-config.ts";

export interface FileProviderOptions {
  filename?: string;
  directory?: string;
  watch: boolean;
  /** Quiet time after the last filesystem event before re-reading. */
  debounceMs?: number;
}

const DEFAULT_DEBOUNCE_MS = 75;
/** A never-ending stream of events still gets a re-read this often. */
const MAX_DEBOUNCE_WAIT_MS = 1000;

export class FileProvider implements Provider {
  readonly name = "file";
  private emit?: Emit;
  private signal?: AbortSignal;
  private watcher?: FSWatcher;
  private timer?: ReturnType<typeof setTimeout>;
  private burstStartedAt = 0;
  /** Reads run one after another so emits keep the order of the reads. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: FileProviderOptions) {}

  /** Watches first (when asked), then emits the first read, so no change is missed in between. */
  async start(emit: Emit, signal: AbortSignal): Promise<void> {
    this.emit = emit;
    this.signal = signal;
    if (signal.aborted) return;
    if (this.opts.watch) {
      await this.startWatching();
      signal.addEventListener("abort", () => this.stop(), { once: true });
    }
    await this.refresh();
  }

  /** Re-read now (SIGHUP). Does nothing before start or after stop. */
  reload(): Promise<void> {
    if (!this.emit || this.signal?.aborted) return Promise.resolve();
    return this.refresh();
  }

  private async startWatching(): Promise<void> {
    // Watch the directory, never the file alone: atomic saves and ConfigMap
    // swaps replace the file, and a watch on the old inode would go quiet.
    const target = this.opts.directory ?? dirname(this.opts.filename ?? ".");
    // Loaded only for a watched provider: a library less on the heap (cheaper GCs) otherwise.
    const { watch } = await import("chokidar");
    const watcher = watch(target, {
      ignoreInitial: true,
      // Deliver unlink/add as they happen; the debounce already merges bursts.
      atomic: false,
      depth: this.opts.directory ? undefined : 0,
    });
    this.watcher = watcher;
    watcher.on("all", () => this.onFsEvent());
    // chokidar drops a second `change` of one path within 50 ms; raw events
    // are not throttled, so a quick second save is still seen.
    watcher.on("raw", () => this.onFsEvent());
    watcher.on("error", () => this.onFsEvent());
    await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  }

  private onFsEvent(): void {
    if (this.signal?.aborted) return;
    const now = Date.now();
    if (this.timer === undefined) this.burstStartedAt = now;
    else clearTimeout(this.timer);
    const wait = Math.min(this.opts.debounceMs ?? DEFAULT_DEBOUNCE_MS, Math.max(0, this.burstStartedAt + MAX_DEBOUNCE_WAIT_MS - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, wait);
  }

  private refresh(): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (this.signal?.aborted || !this.emit) return;
      let message;
      try {
        message = { provider: this.name, ...(await readFileSource(this.opts)) };
      } catch (e) {
        const where = this.opts.directory ?? this.opts.filename;
        message = {
          provider: this.name,
          config: {},
          diagnostics: [{ severity: "error" as const, file: where, message: `cannot read the configuration: ${(e as Error).message}` }],
        };
      }
      if (!this.signal?.aborted) this.emit(message);
    });
    return this.queue;
  }

  private stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    void this.watcher?.close();
    this.watcher = undefined;
  }
}
