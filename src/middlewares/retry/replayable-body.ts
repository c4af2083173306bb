// A request body shared by the attempts of one retried request, without
// buffering it whole. Each attempt gets its own stream over one source; the
// source is only read when an attempt pulls. What was read is kept (up to
// REPLAY_LIMIT bytes) so that the next attempt can start again from byte 0.
//
// Two facts decide whether a body may go out again (see retry/index.ts):
// - `consumed`: some attempt pulled from the source. The pooled upstream
//   client pulls only once connected, so a refused connection leaves it false.
// - `replayable`: everything pulled so far is still kept. The fetch client
//   pipes the body eagerly, before it knows whether the connection opens, so
//   a refused attempt there has consumed a little but nothing reached a
//   backend; with the bytes kept, the body can be sent whole again.
// `Request.bodyUsed` alone cannot tell this: an upstream client may lock or
// pipe the stream it was handed before any byte goes on the wire.

export const REPLAY_LIMIT = 64 * 1024;

interface BodyReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

export class ReplayableBody {
  private reader: BodyReader | null = null;
  private readonly kept: Uint8Array[] = [];
  private keptBytes = 0;
  private overflow = false;
  private ended = false;
  private pulled = false;
  /** A superseded attempt read a chunk that could not be kept: later attempts would miss it. */
  private lost = false;
  private generation = 0;

  constructor(private readonly source: ReadableStream<Uint8Array>) {}

  /** Some attempt has read from the source. */
  get consumed(): boolean {
    return this.pulled;
  }

  /** Everything read so far is kept: a new attempt can send the body whole. */
  get replayable(): boolean {
    return !this.overflow && !this.lost;
  }

  /** A fresh stream for one attempt; earlier attempts' streams stop being fed. */
  forAttempt(): ReadableStream<Uint8Array> {
    const generation = ++this.generation;
    let index = 0;
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          if (generation !== this.generation) return controller.error(new Error("request body taken by a newer attempt"));
          if (this.lost) return controller.error(new Error("part of the request body was lost to an earlier attempt"));
          if (index < this.kept.length) return controller.enqueue(this.kept[index++]!);
          if (this.ended) return controller.close();
          this.pulled = true;
          this.reader ??= this.source.getReader();
          const { done, value } = await this.reader.read();
          if (done || !value) {
            this.ended = true;
            return generation === this.generation ? controller.close() : undefined;
          }
          // Kept even for a superseded attempt, so no byte is lost to it.
          if (!this.overflow && this.keptBytes + value.byteLength <= REPLAY_LIMIT) {
            this.kept.push(value);
            this.keptBytes += value.byteLength;
            if (generation === this.generation) index++;
          } else {
            this.overflow = true;
            if (generation !== this.generation) this.lost = true;
          }
          if (generation === this.generation) controller.enqueue(value);
        },
        cancel: async (reason) => {
          // Only the latest attempt owns the source; a superseded one just stops.
          if (generation === this.generation && this.overflow) await this.reader?.cancel(reason).catch(() => {});
        },
      },
      // No read-ahead: pull runs only when the consumer asks for data.
      { highWaterMark: 0 },
    );
  }
}
