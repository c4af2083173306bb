// Frees the memory behind a byte view now, instead of at the next GC, when the
// view is the whole of its ArrayBuffer. For large streams: the allocator then
// hands the same (cache-warm, already mapped) memory to the next socket read,
// and garbage does not pile up between collections. The caller must own the
// buffer: every other view of it reads as empty afterwards.

/**
 * Below this size the GC frees bytes cheaply enough; reading `.buffer` of a
 * small fresh array would allocate an ArrayBuffer just to detach it.
 */
const FREE_MIN_BYTES = 16 * 1024;

let freedTotal = 0;

/** Bytes freed by freeBytes since the process started (read by the GC ballast, gc-ballast.ts). */
export function bytesFreedEarly(): number {
  return freedTotal;
}

/** Detaches `view`'s buffer when `view` spans all of it and is big; true when freed. */
export function freeBytes(view: Uint8Array): boolean {
  // byteOffset first: reading .buffer of a view costs more, and most views that start inside a buffer are not whole.
  if (view.byteOffset !== 0 || view.byteLength < FREE_MIN_BYTES) return false;
  const ab = view.buffer;
  const size = ab.byteLength;
  if (view.byteLength !== size || !(ab instanceof ArrayBuffer)) return false;
  try {
    ab.transfer(0);
    freedTotal += size;
    return true;
  } catch {
    return false; // not detachable: the GC frees it as before
  }
}
