// Reads a whole body into a Spool (memory, then a temporary file), giving up
// as soon as it passes `max` bytes (0 = no limit) so an oversized upload or
// answer is never held whole. The spool is released on every failure.
import { Spool } from "./spool.ts";

export type ReadResult = { ok: true; spool: Spool } | { ok: false; size: number };

export async function readLimited(
  body: ReadableStream<Uint8Array>,
  limits: { mem: number; max: number },
  signal?: AbortSignal,
): Promise<ReadResult> {
  const spool = new Spool(limits.mem);
  const reader = body.getReader();
  // A client that goes away must not leave the read (and its file) waiting.
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  let kept = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal?.aborted) throw new Error("client closed the request while it was being buffered");
      if (done) break;
      if (limits.max > 0 && spool.size + value.byteLength > limits.max) {
        await reader.cancel().catch(() => {});
        return { ok: false, size: spool.size + value.byteLength };
      }
      await spool.append(value);
    }
    await spool.finish();
    kept = true;
    return { ok: true, spool };
  } catch (err) {
    await reader.cancel(err).catch(() => {});
    throw err;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (!kept) await spool.dispose();
  }
}
