// The single-file binary: built by scripts/build.ts, copied into an empty
// directory (no node_modules anywhere near it), it proxies and answers /ping.
import { afterAll, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";
import { get, routesYaml, startNamedBackend } from "./reload-helpers.ts";

const ROOT = join(import.meta.dir, "..", "..");
const dirs: string[] = [];

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("the built binary runs alone, proxies to a backend and answers /ping", async () => {
  const buildDir = tempDir("sluice-build-");
  const built = join(buildDir, "sluice");
  const build = Bun.spawn([process.execPath, "scripts/build.ts", built], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => build.kill("SIGKILL"), 110_000);
  const [buildOut, buildErr, buildCode] = await Promise.all([
    new Response(build.stdout).text(),
    new Response(build.stderr).text(),
    build.exited,
  ]);
  clearTimeout(killer);
  if (buildCode !== 0) throw new Error(`build failed (${buildCode}):\n${buildOut}\n${buildErr}`);
  expect(existsSync(built)).toBe(true);

  // An empty directory: the binary must not need the source tree or node_modules.
  const runDir = tempDir("sluice-bin-");
  const binary = join(runDir, "sluice");
  copyFileSync(built, binary);
  chmodSync(binary, 0o755);
  expect(readdirSync(runDir)).toEqual(["sluice"]);

  const version = Bun.spawnSync([binary, "version"], { cwd: runDir });
  expect(version.exitCode).toBe(0);
  expect(version.stdout.toString()).toMatch(/^sluice \d+\.\d+\.\d+/);

  const backend = startNamedBackend("from-backend");
  let sluice: RunningSluice | undefined;
  try {
    sluice = await startSluice({
      binary,
      files: { "app.yml": routesYaml([{ router: "app", prefix: "/app", backend: backend.url }]) },
    });
    expect(await get(sluice.url("traefik", "/ping"))).toEqual({ status: 200, body: "OK" });
    expect(await get(sluice.url("web", "/app/x"))).toEqual({ status: 200, body: "from-backend" });
    expect((await get(sluice.url("web", "/elsewhere"))).status).toBe(404);
    expect(backend.hits()).toBe(1);
  } finally {
    if (sluice) expect(await sluice.stop()).toBe(0);
    await backend.stop();
  }
}, 120_000);
