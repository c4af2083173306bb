// Deterministic test payloads produced chunk by chunk, so gigabytes can flow
// without ever being held in memory, plus an incremental checksum to compare ends.

const BASE_SIZE = 1024 * 1024;
let base: Uint8Array | null = null;

/** 1 MiB of fixed pseudo-random bytes (xorshift32, fixed seed). */
function baseBlock(): Uint8Array {
  if (base) return base;
  const b = new Uint8Array(BASE_SIZE);
  let x = 0x9e3779b9;
  for (let i = 0; i < b.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  base = b;
  return b;
}

/** Chunk `index` (1 MiB unless the total ends earlier): the base block stamped with its index, so chunks differ. */
export function chunkAt(index: number, size = BASE_SIZE): Uint8Array {
  const c = baseBlock().slice(0, size);
  new DataView(c.buffer).setUint32(0, index);
  return c;
}

/** A pull-based stream of `total` deterministic bytes; `onChunk` sees every chunk produced. */
export function deterministicStream(total: number, onChunk?: (c: Uint8Array) => void): ReadableStream<Uint8Array> {
  let sent = 0;
  let index = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= total) {
          controller.close();
          return;
        }
        const c = chunkAt(index++, Math.min(BASE_SIZE, total - sent));
        sent += c.byteLength;
        onChunk?.(c);
        controller.enqueue(c);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Incremental checksum plus byte count. */
export class Digest {
  private readonly hasher = new Bun.CryptoHasher("sha1");
  bytes = 0;
  update(chunk: Uint8Array): void {
    this.hasher.update(chunk);
    this.bytes += chunk.byteLength;
  }
  hex(): string {
    return this.hasher.digest("hex");
  }
}

/** Reads a body to its end through a Digest; never keeps the bytes. */
export async function digestStream(body: ReadableStream<Uint8Array>): Promise<{ hex: string; bytes: number }> {
  const d = new Digest();
  for await (const chunk of body) d.update(chunk);
  return { hex: d.hex(), bytes: d.bytes };
}
