import zlib from "node:zlib";
import type { Encoding } from "./accept-encoding.ts";

type Format = ConstructorParameters<typeof CompressionStream>[0];

// Streaming encoders. gzip and zstd use Bun's native CompressionStream (gzip
// level 6 as Go's DefaultCompression, zstd level 3); brotli goes through
// node:zlib because CompressionStream("brotli") runs at quality 11 (~100 ms
// for 100 KiB): quality 4 is as fast as gzip and still smaller.

const BROTLI_QUALITY = 4;

function compressionStreamSupports(format: string): boolean {
  try {
    new CompressionStream(format as Format);
    return true;
  } catch {
    return false;
  }
}

/** Encodings this Bun can produce; zstd needs a recent Bun. */
export const AVAILABLE: ReadonlySet<Encoding> = new Set<Encoding>([
  "gzip",
  ...(typeof zlib.createBrotliCompress === "function" ? (["br"] as const) : []),
  ...(compressionStreamSupports("zstd") ? (["zstd"] as const) : []),
]);

export function encoderFor(encoding: Encoding): TransformStream<Uint8Array, Uint8Array> {
  if (encoding === "br") {
    return nodeTransform(zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } }));
  }
  return new CompressionStream(encoding as Format) as unknown as TransformStream<Uint8Array, Uint8Array>;
}

/** A node:zlib stream as a web TransformStream, one write in flight at a time (backpressure). */
function nodeTransform(z: zlib.BrotliCompress): TransformStream<Uint8Array, Uint8Array> {
  let failure: Error | null = null;
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      z.on("data", (c: Buffer) => controller.enqueue(new Uint8Array(c.buffer, c.byteOffset, c.byteLength)));
      z.on("error", (e: Error) => {
        failure = e;
        controller.error(e);
      });
    },
    transform(chunk) {
      return new Promise<void>((resolve, reject) => z.write(chunk, (e) => (e ? reject(e) : resolve())));
    },
    flush() {
      return new Promise<void>((resolve, reject) => {
        if (failure) return reject(failure);
        z.once("end", () => resolve());
        z.end();
      });
    },
  });
}
