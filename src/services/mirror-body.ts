// Copies a request body for mirrors while it streams to the main service:
// the main request is never held back, and the copy is bounded. Bytes are
// counted against the copy's own limit (maxBodySize) and against a budget
// shared by every copy of one mirroring service; past either, the copy is
// dropped (that request is not mirrored) and its memory released at once.

/** Bytes held by in-progress and pending copies of one mirroring service. */
export class ByteBudget {
  used = 0;
  constructor(readonly limit: number) {}
}

export class BodyCopy {
  private chunks: Uint8Array[] | null = [];
  private size = 0;
  private settled = false;
  private resolve!: (body: Uint8Array | null) => void;
  /** The whole body once the source ended; null when the copy was dropped. */
  readonly done: Promise<Uint8Array | null>;

  constructor(private readonly limit: number, private readonly budget: ByteBudget) {
    this.done = new Promise((r) => (this.resolve = r));
  }

  add(chunk: Uint8Array): void {
    if (this.chunks === null) return;
    const n = chunk.byteLength;
    if (this.size + n > this.limit || this.budget.used + n > this.budget.limit) return this.drop();
    // The source may reuse its buffer: keep our own bytes.
    this.chunks.push(chunk.slice());
    this.size += n;
    this.budget.used += n;
  }

  finish(): void {
    if (this.chunks === null || this.settled) return;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    this.chunks = null;
    this.settled = true;
    // The budget stays charged until release(): mirrors still hold `out`.
    this.resolve(out);
  }

  /** Gives up the copy (too large, source failed, or waited too long). */
  drop(): void {
    if (this.settled) return;
    this.chunks = null;
    this.settled = true;
    this.budget.used -= this.size;
    this.size = 0;
    this.resolve(null);
  }

  /** The mirrors are done with the finished body. */
  release(): void {
    this.budget.used -= this.size;
    this.size = 0;
  }
}

/** `source` as a new stream that feeds `copy` as the consumer pulls; cancelling it cancels the source. */
export function teeInto(source: ReadableStream<Uint8Array>, copy: BodyCopy): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: Awaited<ReturnType<typeof reader.read>>;
        try {
          result = await reader.read();
        } catch (err) {
          copy.drop();
          throw err;
        }
        if (result.done) {
          copy.finish();
          controller.close();
          return;
        }
        copy.add(result.value);
        controller.enqueue(result.value);
      },
      cancel(reason) {
        copy.drop();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
