// One reusable buffer for building small outgoing messages (a response head
// with its first body bytes, an upstream request head). Bun's socket.write
// copies synchronously (to the kernel or its own buffer), so bytes built here
// are never referenced after the call: one allocation per process instead of
// two or three per request. Never hold it across an await or a callback.
export const SCRATCH = Buffer.allocUnsafe(64 * 1024);

/**
 * Buffer's latin1 writer without write()'s argument and encoding handling
 * (half the cost per call in Bun; undocumented but present, as in Node).
 */
const latin1WriteOf = (Buffer.prototype as unknown as { latin1Write: (this: Buffer, text: string, offset: number) => number }).latin1Write;

/** Writes `text` as latin1 into `buf` at `offset`; returns the byte count. */
export function writeLatin1(buf: Buffer, text: string, offset: number): number {
  return latin1WriteOf.call(buf, text, offset);
}

/**
 * Writes `head` (latin1) then `body` into SCRATCH; returns the byte count, or
 * -1 when they do not fit (the caller allocates instead).
 */
export function fillScratch(head: string, body: Uint8Array | null): number {
  const total = head.length + (body === null ? 0 : body.length);
  if (total > SCRATCH.length) return -1;
  writeLatin1(SCRATCH, head, 0);
  if (body !== null && body.length > 0) SCRATCH.set(body, head.length);
  return total;
}
