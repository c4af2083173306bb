// lego-style environment lookup: NAME, or the content of the file named by NAME_FILE.
import { readFileSync } from "node:fs";

export type Env = Record<string, string | undefined>;

/** The first of `names` that is set (directly or via *_FILE); throws when a *_FILE cannot be read. */
export function envOrFile(env: Env, ...names: string[]): string | undefined {
  for (const name of names) {
    const direct = env[name];
    if (direct) return direct;
    const file = env[`${name}_FILE`];
    if (file) {
      try {
        return readFileSync(file, "utf8").trim();
      } catch (err) {
        throw new Error(`${name}_FILE: cannot read ${file}: ${(err as Error).message}`);
      }
    }
  }
  return undefined;
}

/** A number of seconds from the environment, in ms; `fallbackMs` when unset or invalid. */
export function envSecondsMs(env: Env, fallbackMs: number, ...names: string[]): number {
  for (const name of names) {
    const v = env[name];
    if (v === undefined || v === "") continue;
    const n = Number(v);
    if (Number.isFinite(n) && n >= 0) return n * 1000;
  }
  return fallbackMs;
}
