// A body held for the buffering middleware: the first `memLimit` bytes in
// memory, the rest in a private temporary file (as oxy's multibuf does for
// Traefik), so a large upload or answer does not cost its size in RAM.
// The body can be streamed back any number of times (retries); dispose()
// closes and removes the file, and a spool dropped without dispose() has its
// file removed when it is garbage collected.
import { randomUUID } from "node:crypto";
import { close, closeSync, open, read, unlink, unlinkSync, write } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** File writes are batched to this size (fewer syscalls for small chunks); reads use it too. */
const FILE_CHUNK = 256 * 1024;

const openFile = (path: string) =>
  new Promise<number>((ok, fail) => open(path, "wx+", 0o600, (err, fd) => (err ? fail(err) : ok(fd))));
const writeAt = (fd: number, data: Uint8Array, position: number) =>
  new Promise<number>((ok, fail) => write(fd, data, 0, data.byteLength, position, (err, n) => (err ? fail(err) : ok(n))));
const readAt = (fd: number, into: Uint8Array, position: number) =>
  new Promise<number>((ok, fail) => read(fd, into, 0, into.byteLength, position, (err, n) => (err ? fail(err) : ok(n))));

interface TempFile {
  fd: number;
  path: string;
}

// The held value is the file alone (not the spool), so the spool can be collected.
const orphans = new FinalizationRegistry<TempFile>((file) => {
  try {
    closeSync(file.fd);
  } catch {}
  try {
    unlinkSync(file.path);
  } catch {}
});

export class Spool {
  /** Bytes appended so far (memory + file). */
  size = 0;
  private readonly memory: Uint8Array[] = [];
  private memorySize = 0;
  private file: TempFile | null = null;
  private opening: Promise<TempFile> | null = null;
  /** Bytes already written to the file. */
  private fileSize = 0;
  private staged: Uint8Array | null = null;
  private stagedSize = 0;
  private disposed = false;
  /** File reads and writes under way: the descriptor is closed only once none is (a reused fd number must never see them). */
  private busy = 0;
  private whenIdle: (() => void) | null = null;

  constructor(private readonly memLimit: number) {}

  /** The temporary file's path once the body spilled past memLimit. */
  get path(): string | null {
    return this.file?.path ?? null;
  }

  get spilled(): boolean {
    return this.opening !== null;
  }

  /** Adds bytes at the end; resolves once they are in memory or written to the file. */
  async append(chunk: Uint8Array): Promise<void> {
    if (this.disposed) throw new Error("buffered body already released");
    this.size += chunk.byteLength;
    const room = this.memLimit - this.memorySize;
    if (!this.spilled && room > 0) {
      const kept = chunk.byteLength <= room ? chunk : chunk.slice(0, room);
      this.memory.push(kept);
      this.memorySize += kept.byteLength;
      if (kept === chunk) return;
      chunk = chunk.subarray(room);
    }
    await this.toFile(chunk);
  }

  /** Writes what is still staged; call once the whole body is appended. */
  async finish(): Promise<void> {
    if (this.stagedSize > 0) await this.flush();
  }

  /** The whole body when it stayed in memory, else null. */
  bytes(): Uint8Array | null {
    if (this.spilled) return null;
    if (this.memory.length === 0) return new Uint8Array(0);
    if (this.memory.length > 1) {
      // Joined once: a retried request reuses it.
      const all = new Uint8Array(this.memorySize);
      let at = 0;
      for (const part of this.memory) {
        all.set(part, at);
        at += part.byteLength;
      }
      this.memory.splice(0, this.memory.length, all);
    }
    return this.memory[0]!;
  }

  /**
   * A new stream of the whole body: memory part, then the file in chunks,
   * pulled on demand. `onEnd` runs once, when the stream ends, fails or is cancelled.
   */
  stream(onEnd?: () => void): ReadableStream<Uint8Array> {
    const parts = this.memory.slice();
    let part = 0;
    let position = 0;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      onEnd?.();
    };
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          try {
            if (this.disposed) throw new Error("buffered body already released");
            if (part < parts.length) {
              controller.enqueue(parts[part++]!);
              return;
            }
            if (this.file === null || position >= this.fileSize) {
              controller.close();
              return end();
            }
            const buf = new Uint8Array(Math.min(FILE_CHUNK, this.fileSize - position));
            const n = await this.io((fd) => readAt(fd, buf, position));
            if (n <= 0) throw new Error("temporary file shorter than written");
            position += n;
            controller.enqueue(n === buf.byteLength ? buf : buf.subarray(0, n));
          } catch (err) {
            controller.error(err);
            end();
          }
        },
        cancel: () => end(),
      },
      { highWaterMark: 0 },
    );
  }

  /** Closes and removes the temporary file (if any); safe to call more than once. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.memory.length = 0;
    this.staged = null;
    const file = await this.opening?.catch(() => null);
    if (!file) return;
    orphans.unregister(this);
    if (this.busy > 0) await new Promise<void>((ok) => (this.whenIdle = ok));
    await new Promise<void>((ok) => close(file.fd, () => ok()));
    await new Promise<void>((ok) => unlink(file.path, () => ok()));
  }

  private async toFile(chunk: Uint8Array): Promise<void> {
    if (!this.opening) {
      const path = join(tmpdir(), `sluice-buffer-${process.pid}-${randomUUID()}`);
      this.opening = openFile(path).then((fd) => {
        const file = { fd, path };
        this.file = file;
        orphans.register(this, file, this);
        return file;
      });
    }
    await this.opening;
    if (this.disposed) throw new Error("buffered body already released");
    // Large chunks go straight out; small ones are staged into FILE_CHUNK writes.
    if (this.stagedSize === 0 && chunk.byteLength >= FILE_CHUNK) return this.writeAll(chunk);
    const staged = (this.staged ??= new Uint8Array(FILE_CHUNK));
    while (chunk.byteLength > 0) {
      const n = Math.min(chunk.byteLength, FILE_CHUNK - this.stagedSize);
      staged.set(chunk.subarray(0, n), this.stagedSize);
      this.stagedSize += n;
      chunk = chunk.subarray(n);
      if (this.stagedSize === FILE_CHUNK) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    const data = this.staged!.subarray(0, this.stagedSize);
    this.stagedSize = 0;
    await this.writeAll(data);
  }

  private async io<T>(op: (fd: number) => Promise<T>): Promise<T> {
    if (this.disposed || !this.file) throw new Error("buffered body already released");
    this.busy++;
    try {
      return await op(this.file.fd);
    } finally {
      if (--this.busy === 0 && this.whenIdle) this.whenIdle();
    }
  }

  private async writeAll(data: Uint8Array): Promise<void> {
    while (data.byteLength > 0) {
      const n = await this.io((fd) => writeAt(fd, data, this.fileSize));
      this.fileSize += n;
      data = data.subarray(n);
    }
  }
}
