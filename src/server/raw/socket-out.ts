// Bun's socket.write() does not buffer: it returns how many bytes it took
// (possibly fewer, or -1). This keeps the rest in order and resends on drain.
import { headPartsText, type HeadParts } from "./http1-head.ts";
import type { RawSocket } from "./raw-socket.ts";
import { SCRATCH, fillScratch } from "./scratch.ts";
import { BatchSlot, type BatchedWriter } from "./write-batch.ts";

/** Bigger first body pieces are written after the head rather than copied behind it. */
const COPY_LIMIT = 16 * 1024;

export class SocketOut implements BatchedWriter {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private closed = false;
  /** A small write held in the write batch (write-batch.ts). */
  private readonly batch = new BatchSlot(this);
  /** end() was asked for: the socket ends once nothing is pending. */
  private ending = false;
  private ended = false;

  /**
   * `copies`: the socket copies what write() took before returning (Bun's
   * sockets), so a head can be built in the shared scratch buffer. Not true
   * of node:tls sockets, which keep references to what they queue.
   * `batching`: small head writes wait for the end of the event-loop round
   * (write-batch.ts); needs a copying socket.
   */
  constructor(
    private readonly socket: Pick<RawSocket, "write" | "end">,
    private readonly onDrained: () => void,
    private readonly copies = false,
    /** Small writes wait for the end of the round (write-batch.ts); heads may then come as parts (writeParts). */
    readonly batching = false,
  ) {}

  /** True while bytes wait for the socket. */
  get saturated(): boolean {
    return this.queue.length > 0;
  }

  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** Writes or queues; false when something is left queued. */
  write(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.batch.pending) this.flushBatched(); // what was batched goes first
    if (this.queue.length > 0) {
      this.enqueue(bytes);
      return false;
    }
    const n = this.socket.write(bytes);
    if (n >= bytes.length) return true;
    this.enqueue(n > 0 ? bytes.subarray(n) : bytes);
    return false;
  }

  /** Writes a latin1 head and, when given, the first body bytes after it, as one write. */
  writeWithHead(head: string, body: Uint8Array | null): boolean {
    if (this.batch.pending) this.flushBatched(); // keeps order (pipelined responses)
    if (this.batching && this.queue.length === 0 && !this.closed && this.batch.hold(head, body)) return true;
    if (this.copies && this.queue.length === 0 && !this.closed) {
      const total = fillScratch(head, body);
      if (total >= 0) {
        const n = this.socket.write(SCRATCH, 0, total);
        if (n >= total) return true;
        // The scratch buffer is reused: what is left must be copied.
        this.enqueue(Buffer.from(SCRATCH.subarray(Math.max(n, 0), total)));
        return false;
      }
    }
    const bytes = Buffer.from(head, "latin1");
    if (body === null || body.length === 0) return this.write(bytes);
    // A big first body piece (a large response's first read): two writes
    // rather than copying it behind the head. A copying socket with room
    // takes this path only when the two do not fit in the scratch buffer.
    if (this.copies || body.length > COPY_LIMIT) {
      const headTaken = this.write(bytes);
      return this.write(body) && headTaken; // both always: a short head write queues the body behind it
    }
    return this.write(Buffer.concat([bytes, body]));
  }

  /**
   * writeWithHead for a head in parts: a status line, a block of received
   * lines copied as bytes, and the framing lines. Batched like a head; made
   * into one string when it cannot be (too big, bytes queued, not batching).
   */
  writeParts(head: HeadParts, body: Uint8Array | null): boolean {
    if (this.batch.pending) this.flushBatched();
    if (this.batching && this.queue.length === 0 && !this.closed && this.batch.holdParts(head, body)) return true;
    return this.writeWithHead(headPartsText(head), body);
  }

  /** Sends the batched write now (the batch's round ended, or order requires it). */
  flushBatched(): void {
    if (this.closed) return;
    const rest = this.batch.send(this.socket);
    // What the socket did not take waits for the drain handler (which also ends, when asked).
    if (rest !== null) this.enqueue(rest);
    else this.endIfIdle();
  }

  /** Ends the socket once everything written so far is out (now, after the batch, or on drain); once. */
  end(): void {
    if (this.closed || this.ended) return;
    this.ending = true;
    this.endIfIdle();
  }

  private endIfIdle(): void {
    if (!this.ending || this.ended || this.batch.pending || this.queue.length > 0) return;
    this.ended = true;
    this.socket.end();
  }

  /** Called from the socket's drain handler. */
  drain(): void {
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0];
      const n = this.socket.write(head);
      if (n < head.length) {
        if (n > 0) {
          this.queue[0] = head.subarray(n);
          this.queuedBytes -= n;
        }
        return;
      }
      this.queue.shift();
      this.queuedBytes -= head.length;
    }
    if (this.closed) return;
    this.endIfIdle();
    this.onDrained();
  }

  /** Drops what is queued (the socket is gone). */
  close(): void {
    this.closed = true;
    this.batch.drop();
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private enqueue(bytes: Uint8Array): void {
    // Not copied: callers hand over bytes they no longer change (socket reads, fresh buffers).
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
  }
}
