import { describe, expect, test } from "bun:test";
import { usePrivateTmpdir } from "./private-tmpdir.ts";
import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { Spool } from "./spool.ts";

// Spools write under os.tmpdir(): point it at a private directory so leftovers can be counted.
const tmp = usePrivateTmpdir("sluice-spool-test-");
const leftovers = tmp.leftovers;

/** `size` bytes whose value depends on the position (a reordering shows). */
function pattern(size: number, from = 0): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = ((from + i) * 31 + ((from + i) >> 8)) & 0xff;
  return out;
}

async function fill(spool: Spool, total: number, chunk: number): Promise<Uint8Array> {
  for (let at = 0; at < total; at += chunk) await spool.append(pattern(Math.min(chunk, total - at), at));
  await spool.finish();
  return pattern(total);
}

const drain = async (s: ReadableStream<Uint8Array>): Promise<Uint8Array> => new Uint8Array(await Bun.readableStreamToArrayBuffer(s));

describe("Spool", () => {
  test.each([
    // mem limit, body size, chunk size, spills?
    [1024, 1024, 100, false],
    [1024, 1025, 100, true],
    [1024, 5000, 700, true], // a chunk straddles the limit
    [0, 3000, 1000, true], // mem 0: everything in the file
    [64, 600_000, 300_000, true], // chunks over the write batch size
    [64, 600_000, 1000, true], // many small chunks, batched
  ])("mem %p, %p bytes in chunks of %p: spilled %p, streamed back whole, twice", async (mem, size, chunk, spills) => {
    const spool = new Spool(mem);
    const expected = await fill(spool, size, chunk);
    expect(spool.size).toBe(size);
    expect(spool.spilled).toBe(spills);
    expect(leftovers().length).toBe(spills ? 1 : 0);
    if (!spills) expect(spool.bytes()).toEqual(expected);
    else expect(spool.bytes()).toBeNull();
    expect(await drain(spool.stream())).toEqual(expected);
    expect(await drain(spool.stream())).toEqual(expected);
    await spool.dispose();
    expect(leftovers()).toEqual([]);
  });

  test("the temporary file is private, under os.tmpdir(), and holds only the part past memory", async () => {
    const spool = new Spool(1000);
    await fill(spool, 5000, 512);
    const path = spool.path!;
    expect(dirname(path)).toBe(tmp.dir());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(path).size).toBe(4000);
    await spool.dispose();
    expect(existsSync(path)).toBe(false);
  });

  test("two spools get distinct files", async () => {
    const a = new Spool(0);
    const b = new Spool(0);
    await Promise.all([fill(a, 10, 10), fill(b, 10, 10)]);
    expect(a.path).not.toBe(b.path);
    expect(leftovers().length).toBe(2);
    await Promise.all([a.dispose(), b.dispose()]);
    expect(leftovers()).toEqual([]);
  });

  test("onEnd runs once when the stream ends, and when it is cancelled", async () => {
    const spool = new Spool(10);
    await fill(spool, 2_000_000, 65_536);
    let ends = 0;
    await drain(spool.stream(() => ends++));
    expect(ends).toBe(1);
    const reader = spool.stream(() => ends++).getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    expect(ends).toBe(2);
    await spool.dispose();
  });

  test("after dispose, streaming fails and appending is refused", async () => {
    const spool = new Spool(10);
    await fill(spool, 100, 50);
    const reader = spool.stream().getReader();
    expect((await reader.read()).value?.byteLength).toBe(10);
    await spool.dispose();
    expect(reader.read()).rejects.toThrow("released");
    expect(spool.append(new Uint8Array(5))).rejects.toThrow("released");
    expect(leftovers()).toEqual([]);
  });

  test("dispose waits for a read under way before closing the file", async () => {
    const spool = new Spool(0);
    const expected = await fill(spool, 1_000_000, 100_000);
    const reader = spool.stream().getReader();
    const first = reader.read();
    for (let i = 0; i < 5; i++) await Promise.resolve(); // pull() starts its file read
    await spool.dispose();
    expect((await first).value).toEqual(expected.subarray(0, 256 * 1024));
    expect(leftovers()).toEqual([]);
  });
});

test("a spool dropped without dispose() has its file removed when collected", async () => {
  // Built in a separate frame so no reference stays on this one's stack.
  const make = async () => {
    const spool = new Spool(0);
    await fill(spool, 1000, 1000);
    return spool.path!;
  };
  const path = await make();
  expect(existsSync(path)).toBe(true);
  // Bounded: a few collections, a few milliseconds apart.
  for (let i = 0; i < 20 && existsSync(path); i++) {
    Bun.gc(true);
    await Bun.sleep(5);
  }
  expect(existsSync(path)).toBe(false);
});
