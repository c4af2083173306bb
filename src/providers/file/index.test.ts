import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasErrors } from "../../config/diagnostic.ts";
import type { ProviderMessage } from "../provider.ts";
import { FileProvider, type FileProviderOptions } from "./index.ts";

/** Watching tests poll for up to 5 s: give them room beyond bun's 5 s default. */
const watchTest = (name: string, fn: () => Promise<void>) => test(name, fn, 10_000);

const router = (name: string, host: string) => `http:\n  routers:\n    ${name}:\n      rule: Host(\`${host}\`)\n      service: s\n`;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-file-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a provider, collecting what it emits; stopped after the test. */
async function startProvider(opts: FileProviderOptions) {
  const messages: ProviderMessage[] = [];
  const abort = new AbortController();
  const provider = new FileProvider({ debounceMs: 30, ...opts });
  cleanups.unshift(() => abort.abort());
  await provider.start((m) => messages.push(m), abort.signal);
  return { provider, messages, abort };
}

/** Polls until `pred` holds for the newest message: up to 5 s in 20 ms steps. */
async function waitForMessage(messages: ProviderMessage[], pred: (m: ProviderMessage) => boolean): Promise<ProviderMessage> {
  for (let i = 0; i < 250; i++) {
    const last = messages.at(-1);
    if (last && pred(last)) return last;
    await Bun.sleep(20);
  }
  throw new Error(`no matching message; last was ${JSON.stringify(messages.at(-1))}`);
}

const routerNames = (m: ProviderMessage) => Object.keys(m.config.http?.routers ?? {}).sort();
const ruleOf = (m: ProviderMessage, name: string) => m.config.http?.routers?.[name]?.rule;

describe("FileProvider without watch", () => {
  test("reads a directory recursively, skipping hidden and non-YAML files, warning about TOML", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yml"), router("a", "a.test"));
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "b.yaml"), router("b", "b.test"));
    writeFileSync(join(dir, ".hidden.yml"), router("hidden", "h.test"));
    writeFileSync(join(dir, "notes.txt"), "not config");
    writeFileSync(join(dir, "old.toml"), "[http]");
    const { messages } = await startProvider({ directory: dir, watch: false });
    expect(messages).toHaveLength(1);
    expect(messages[0].provider).toBe("file");
    expect(routerNames(messages[0])).toEqual(["a", "b"]);
    expect(messages[0].diagnostics).toEqual([
      { severity: "warning", file: join(dir, "old.toml"), message: expect.stringContaining("TOML is not supported") },
    ]);
  });

  test("a directory symlink loop is read once, without hanging", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "a.yml"), router("a", "a.test"));
    symlinkSync("..", join(dir, "sub", "loop"));
    const { messages } = await startProvider({ directory: dir, watch: false });
    expect(routerNames(messages[0])).toEqual(["a"]);
    expect(messages[0].diagnostics).toEqual([]);
  });

  test("a missing file is an error", async () => {
    const dir = tempDir();
    const { messages } = await startProvider({ filename: join(dir, "nope.yml"), watch: false });
    expect(messages).toHaveLength(1);
    expect(hasErrors(messages[0].diagnostics)).toBe(true);
    expect(messages[0].diagnostics[0].message).toContain("no such file");
  });

  test("a router defined in two files is reported with both names", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yml"), router("r", "a.test"));
    writeFileSync(join(dir, "b.yml"), router("r", "b.test"));
    const { messages } = await startProvider({ directory: dir, watch: false });
    expect(ruleOf(messages[0], "r")).toBe("Host(`a.test`)");
    expect(messages[0].diagnostics).toHaveLength(1);
    expect(messages[0].diagnostics[0].message).toContain(join(dir, "a.yml"));
    expect(messages[0].diagnostics[0].message).toContain(join(dir, "b.yml"));
  });

  test("reload() emits a fresh read", async () => {
    const dir = tempDir();
    const file = join(dir, "a.yml");
    writeFileSync(file, router("a", "one.test"));
    const { provider, messages } = await startProvider({ filename: file, watch: false });
    writeFileSync(file, router("a", "two.test"));
    await provider.reload();
    expect(messages.map((m) => ruleOf(m, "a"))).toEqual(["Host(`one.test`)", "Host(`two.test`)"]);
  });
});

describe("FileProvider watching", () => {
  watchTest("a plain write is picked up", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yml"), router("a", "one.test"));
    const { messages } = await startProvider({ directory: dir, watch: true });
    expect(ruleOf(messages[0], "a")).toBe("Host(`one.test`)");
    writeFileSync(join(dir, "a.yml"), router("a", "two.test"));
    await waitForMessage(messages, (m) => ruleOf(m, "a") === "Host(`two.test`)");
  });

  watchTest("an editor's atomic save (write temp, rename over) is picked up", async () => {
    const dir = tempDir();
    const file = join(dir, "a.yml");
    writeFileSync(file, router("a", "one.test"));
    const { messages } = await startProvider({ directory: dir, watch: true });
    writeFileSync(join(dir, ".a.yml.tmp"), router("a", "two.test"));
    renameSync(join(dir, ".a.yml.tmp"), file);
    await waitForMessage(messages, (m) => ruleOf(m, "a") === "Host(`two.test`)");
  });

  watchTest("a single watched file replaced atomically is picked up", async () => {
    const dir = tempDir();
    const file = join(dir, "dynamic.yml");
    writeFileSync(file, router("a", "one.test"));
    const { messages } = await startProvider({ filename: file, watch: true });
    writeFileSync(join(dir, "dynamic.yml.new"), router("a", "two.test"));
    renameSync(join(dir, "dynamic.yml.new"), file);
    await waitForMessage(messages, (m) => ruleOf(m, "a") === "Host(`two.test`)");
  });

  watchTest("a Kubernetes ConfigMap update (..data symlink swap) is picked up", async () => {
    const dir = tempDir();
    const version = (n: number, host: string) => {
      const d = join(dir, `..2026_11_25_10_00_0${n}.00000000${n}`);
      mkdirSync(d);
      writeFileSync(join(d, "routes.yml"), router("cm", host));
      return d;
    };
    const v1 = version(1, "one.test");
    symlinkSync(v1.slice(dir.length + 1), join(dir, "..data"));
    symlinkSync("..data/routes.yml", join(dir, "routes.yml"));
    const { messages } = await startProvider({ directory: dir, watch: true });
    // Only the visible name counts: the same file seen through ..data/..2026_* is not read twice.
    expect(messages[0].diagnostics).toEqual([]);
    expect(ruleOf(messages[0], "cm")).toBe("Host(`one.test`)");

    // What kubelet does: new timestamped dir, new symlink, rename it over ..data, remove the old dir.
    const v2 = version(2, "two.test");
    symlinkSync(v2.slice(dir.length + 1), join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
    rmSync(v1, { recursive: true });
    const m = await waitForMessage(messages, (x) => ruleOf(x, "cm") === "Host(`two.test`)");
    expect(m.diagnostics).toEqual([]);
  });

  watchTest("a deleted file removes its routers", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yml"), router("a", "a.test"));
    writeFileSync(join(dir, "b.yml"), router("b", "b.test"));
    const { messages } = await startProvider({ directory: dir, watch: true });
    expect(routerNames(messages[0])).toEqual(["a", "b"]);
    unlinkSync(join(dir, "b.yml"));
    await waitForMessage(messages, (m) => routerNames(m).join() === "a");
  });

  watchTest("a broken file is reported, and its fix is picked up", async () => {
    const dir = tempDir();
    const file = join(dir, "a.yml");
    writeFileSync(file, router("a", "one.test"));
    const { messages } = await startProvider({ directory: dir, watch: true });
    writeFileSync(file, "http:\n  routers: [\n");
    const broken = await waitForMessage(messages, (m) => hasErrors(m.diagnostics));
    expect(broken.diagnostics[0]).toMatchObject({ severity: "error", file, line: 3 });
    writeFileSync(file, router("a", "fixed.test"));
    const fixed = await waitForMessage(messages, (m) => ruleOf(m, "a") === "Host(`fixed.test`)");
    expect(fixed.diagnostics).toEqual([]);
  });

  watchTest("a second save soon after the first is not lost", async () => {
    const dir = tempDir();
    const file = join(dir, "a.yml");
    writeFileSync(file, router("a", "h0.test"));
    const { messages } = await startProvider({ directory: dir, watch: true, debounceMs: 10 });
    writeFileSync(file, router("a", "h1.test"));
    await waitForMessage(messages, (m) => ruleOf(m, "a") === "Host(`h1.test`)");
    writeFileSync(file, router("a", "h2.test"));
    await waitForMessage(messages, (m) => ruleOf(m, "a") === "Host(`h2.test`)");
  });

  watchTest("a burst of writes gives few reads, the last one winning", async () => {
    const dir = tempDir();
    const file = join(dir, "a.yml");
    writeFileSync(file, router("a", "h0.test"));
    const { messages } = await startProvider({ directory: dir, watch: true, debounceMs: 100 });
    for (let i = 1; i <= 10; i++) writeFileSync(file, router("a", `h${i}.test`));
    await waitForMessage(messages, (m) => ruleOf(m, "a") === "Host(`h10.test`)");
    expect(messages.length).toBeLessThanOrEqual(3);
  });

  watchTest("nothing is emitted after the signal aborts", async () => {
    const dir = tempDir();
    const file = join(dir, "a.yml");
    writeFileSync(file, router("a", "one.test"));
    const { messages, abort } = await startProvider({ directory: dir, watch: true });
    abort.abort();
    writeFileSync(file, router("a", "two.test"));
    await Bun.sleep(200);
    expect(messages).toHaveLength(1);
  });
});
