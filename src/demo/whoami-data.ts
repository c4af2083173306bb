// Bodies of a chosen size for the whoami demo's `/data`, produced a chunk at a
// time so that a 10 GiB answer costs no more memory than a 64 KiB one.

export const DATA_CHUNK_SIZE = 64 * 1024;

const UNITS: Record<string, number> = {
  "": 1,
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};

/**
 * `size` and optional `unit` query values to a byte count (units are binary:
 * KB = 1024). Undefined when either is invalid.
 */
export function parseDataSize(size: string | null, unit: string | null): number | undefined {
  if (size === null || !/^\d+$/.test(size)) return undefined;
  const factor = UNITS[(unit ?? "").toUpperCase()];
  if (factor === undefined) return undefined;
  const bytes = Number(size) * factor;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

// The content never changes, so one shared chunk can be enqueued again and again.
const CHUNK = (() => {
  const chunk = new Uint8Array(DATA_CHUNK_SIZE);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (let i = 0; i < chunk.length; i++) chunk[i] = alphabet.charCodeAt(i % alphabet.length);
  return chunk;
})();

/**
 * A pull stream of exactly `total` bytes: the next chunk is made only when the
 * consumer asks for it, so a slow reader holds the producer back.
 */
export function dataStream(total: number): ReadableStream<Uint8Array> {
  let remaining = total;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (remaining <= 0) {
          controller.close();
          return;
        }
        const n = Math.min(remaining, DATA_CHUNK_SIZE);
        controller.enqueue(n === DATA_CHUNK_SIZE ? CHUNK : CHUNK.subarray(0, n));
        remaining -= n;
        if (remaining === 0) controller.close();
      },
    },
    { highWaterMark: 1 },
  );
}

/** The first `size` bytes of the same content as one buffer (size ≤ DATA_CHUNK_SIZE). */
export function dataBytes(size: number): Uint8Array {
  return CHUNK.slice(0, Math.min(size, DATA_CHUNK_SIZE));
}
