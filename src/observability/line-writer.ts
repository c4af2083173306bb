// Batches log lines and hands them to a file, stdout or a test sink without
// ever making the caller wait: lines gather in memory and leave in one write
// per tick (bufferingSize 0) or per `bufferingSize` lines.
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { log } from "./logger.ts";

export interface LineWriterOptions {
  /** Append here; stdout when absent. */
  filePath?: string;
  /** Receives each batch instead of any file/stdout (tests, embedding). */
  sink?: (chunk: string) => void;
  /** Lines held before a write; 0 writes once per tick. */
  bufferingSize: number;
  /** With bufferingSize > 0, held lines still leave after this long (quiet traffic). */
  maxDelayMs?: number;
  /** Past this many bytes not yet accepted by the OS, new lines are dropped, not queued. */
  maxPendingBytes?: number;
}

export class LineWriter {
  private lines: string[] = [];
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stream: WriteStream | undefined;
  private lastWrite: Promise<void> = Promise.resolve();
  private closed = false;
  /** Lines lost because the output could not keep up or failed. */
  dropped = 0;
  /** `dropped` when it was last reported, and when. */
  private reportedDropped = 0;
  private reportedAt = 0;

  constructor(private readonly opts: LineWriterOptions) {
    if (!opts.sink && opts.filePath) this.stream = this.open(opts.filePath);
  }

  private open(path: string): WriteStream {
    mkdirSync(dirname(path), { recursive: true });
    const s = createWriteStream(path, { flags: "a", mode: 0o664 });
    s.on("error", (err) => log.error("access log write failed", { file: path, error: err }));
    return s;
  }

  write(line: string): void {
    if (this.closed) return;
    this.lines.push(line);
    const size = this.opts.bufferingSize;
    if (size > 0 && this.lines.length >= size) {
      this.drain();
      return;
    }
    if (size > 0) {
      this.timer ??= setTimeout(() => this.drain(), this.opts.maxDelayMs ?? 1000);
      this.timer.unref?.();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Sends everything held now; does not wait for the OS. */
  private drain(): void {
    this.scheduled = false;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.lines.length === 0) return;
    const chunk = this.lines.length === 1 ? this.lines[0]! : this.lines.join("");
    const count = this.lines.length;
    this.lines = [];
    if (this.opts.sink) {
      try {
        this.opts.sink(chunk);
      } catch {
        this.lost(count);
      }
      return;
    }
    const out = this.stream ?? process.stdout;
    if (out.writableLength > (this.opts.maxPendingBytes ?? 16 * 1024 * 1024)) {
      this.lost(count);
      return;
    }
    this.lastWrite = new Promise((resolve) => {
      out.write(chunk, () => resolve());
    });
  }

  /** Counts lost lines and says so in the log, at most every 10 s, so a loss is never silent. */
  private lost(count: number): void {
    this.dropped += count;
    const now = performance.now();
    if (this.reportedAt !== 0 && now - this.reportedAt < 10_000) return;
    log.warn("access log: lines dropped, the output is not keeping up", { dropped: this.dropped - this.reportedDropped, total: this.dropped });
    this.reportedDropped = this.dropped;
    this.reportedAt = now;
  }

  /** Writes out held lines and waits until the output took them. */
  async flush(): Promise<void> {
    this.drain();
    await this.lastWrite;
  }

  /** Closes and reopens the file (after an external rotation moved it). */
  async reopen(): Promise<void> {
    if (!this.stream || !this.opts.filePath || this.closed) return;
    await this.flush();
    const old = this.stream;
    this.stream = this.open(this.opts.filePath);
    await endStream(old);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.stream) await endStream(this.stream);
    this.stream = undefined;
  }
}

function endStream(s: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    s.end(() => resolve());
    s.once("error", () => resolve());
  });
}
