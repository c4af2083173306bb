import { mkdirSync, mkdtempSync, rmSync, writeFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Subprocess } from "bun";
import { freePort, waitFor } from "./ports.ts";

const ROOT = join(import.meta.dir, "..", "..");

export interface SluiceOptions {
  /** Entrypoint names; each gets a free loopback port. "traefik" carries ping and metrics. */
  entryPoints?: string[];
  /** Extra static YAML appended to the generated static config. */
  staticExtra?: string;
  /** Fixed ports for some entrypoints (others get a free one). */
  ports?: Record<string, number>;
  /** Extra YAML under every entrypoint, indented by the harness (e.g. "transport:\n  respondingTimeouts: ..."). */
  entryPointExtra?: string;
  /** Dynamic config files, relative to the watched directory. */
  files?: Record<string, string>;
  env?: Record<string, string>;
  /** Run a built binary instead of `bun src/main.ts`. */
  binary?: string;
  /** Extra CLI flags. */
  args?: string[];
  waitReady?: boolean;
  /** Watch the dynamic directory (default true); false leaves reloads to SIGHUP. */
  watch?: boolean;
}

export interface RunningSluice {
  proc: Subprocess;
  dir: string;
  dynamicDir: string;
  ports: Record<string, number>;
  url(entryPoint: string, path?: string): string;
  write(file: string, content: string): void;
  /** Editor-style save: write a temp file then rename it over the target. */
  writeAtomic(file: string, content: string): void;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
  /** Polls the collected output until `pattern` appears (bounded); true when it did. */
  waitForOutput(pattern: string | RegExp, timeoutMs?: number): Promise<boolean>;
}

/** Starts the real Sluice process on a temp config dir; stop() kills it by PID and cleans up. */
export async function startSluice(opts: SluiceOptions = {}): Promise<RunningSluice> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-it-"));
  const dynamicDir = join(dir, "dynamic");
  mkdirSync(dynamicDir);
  const names = opts.entryPoints ?? ["web", "traefik"];
  const ports: Record<string, number> = {};
  for (const n of names) ports[n] = opts.ports?.[n] ?? (await freePort());
  const epExtra = (opts.entryPointExtra ?? "").split("\n").filter(Boolean).map((l) => `\n    ${l}`).join("");
  const eps = names.map((n) => `  ${n}:\n    address: "127.0.0.1:${ports[n]}"${epExtra}`).join("\n");
  const staticYaml = `entryPoints:\n${eps}\nproviders:\n  providersThrottleDuration: 0s\n  file:\n    directory: ${dynamicDir}\n    watch: ${opts.watch ?? true}\nping: {}\nlog:\n  level: INFO\n${opts.staticExtra ?? ""}\n`;
  writeFileSync(join(dir, "static.yml"), staticYaml);
  for (const [f, content] of Object.entries(opts.files ?? {})) {
    mkdirSync(dirname(join(dynamicDir, f)), { recursive: true });
    writeFileSync(join(dynamicDir, f), content);
  }
  const cmd = opts.binary ? [opts.binary] : [process.execPath, join(ROOT, "src", "main.ts")];
  let out = "";
  const proc = Bun.spawn([...cmd, `--configFile=${join(dir, "static.yml")}`, ...(opts.args ?? [])], {
    cwd: dir,
    env: { ...process.env, ...opts.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) out += dec.decode(chunk);
  };
  void collect(proc.stdout as ReadableStream<Uint8Array>);
  void collect(proc.stderr as ReadableStream<Uint8Array>);

  const running: RunningSluice = {
    proc,
    dir,
    dynamicDir,
    ports,
    url: (ep, path = "/") => `http://127.0.0.1:${ports[ep]}${path}`,
    write: (f, content) => {
      mkdirSync(dirname(join(dynamicDir, f)), { recursive: true });
      writeFileSync(join(dynamicDir, f), content);
    },
    writeAtomic: (f, content) => {
      const tmp = join(dynamicDir, `.${f}.tmp${Date.now()}`);
      writeFileSync(tmp, content);
      renameSync(tmp, join(dynamicDir, f));
    },
    output: () => out,
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode === null) {
        proc.kill(signal);
        const killer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
        await proc.exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
      return proc.exitCode ?? -1;
    },
    waitForOutput: (pattern, timeoutMs = 5000) =>
      waitFor(() => (typeof pattern === "string" ? out.includes(pattern) : pattern.test(out)), timeoutMs),
  };
  if (opts.waitReady !== false && names.includes("traefik")) {
    const ready = await waitFor(async () => (await fetch(running.url("traefik", "/ping"))).status === 200, 10_000);
    if (!ready) {
      await running.stop("SIGKILL");
      throw new Error(`sluice did not become ready:\n${out}`);
    }
  }
  return running;
}
