// Test helper: points os.tmpdir() (TMPDIR) at a private directory for one test
// file, so the temporary files buffering writes can be counted and checked.
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function usePrivateTmpdir(prefix: string): { dir(): string; leftovers(): string[] } {
  let dir = "";
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.TMPDIR;
    dir = mkdtempSync(join(tmpdir(), prefix));
    process.env.TMPDIR = dir;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir: () => dir, leftovers: () => readdirSync(dir) };
}
