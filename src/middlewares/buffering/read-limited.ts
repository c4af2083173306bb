// Reads a whole body into memory, giving up as soon as it passes `max` bytes
// (0 = no limit) so an oversized upload or answer is never held whole.

export type ReadResult = { ok: true; bytes: Uint8Array } | { ok: false; size: number };

export async function readLimited(body: ReadableStream<Uint8Array>, max: number): Promise<ReadResult> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (max > 0 && size > max) {
      await reader.cancel().catch(() => {});
      return { ok: false, size };
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return { ok: true, bytes: chunks[0]! };
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, bytes };
}
