// Shutdown through the real process: in-flight requests drain on SIGTERM,
// requestAcceptGraceTimeout keeps accepting while /ping says 503, and
// graceTimeOut bounds how long a slow request may hold the exit.
import { afterEach, expect, test } from "bun:test";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";
import { get, routesYaml, startNamedBackend, type NamedBackend } from "./reload-helpers.ts";

let backend: NamedBackend | undefined;
let sluice: RunningSluice | undefined;

afterEach(async () => {
  await sluice?.stop("SIGKILL");
  sluice = undefined;
  await backend?.stop();
  backend = undefined;
});

/** Starts a backend and a Sluice routing `/` to it; resolves `arrived` when a /slow request reaches the backend. */
async function setup(entryPointExtra?: string) {
  let arrived: () => void = () => {};
  const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
  backend = startNamedBackend("A", () => arrived());
  sluice = await startSluice({
    files: { "a.yml": routesYaml([{ router: "all", prefix: "/", backend: backend.url }]) },
    entryPointExtra,
  });
  return { s: sluice, slowArrived };
}

/** Resolves with the exit code, or null if the process is still running after `ms`. */
async function exitWithin(s: RunningSluice, ms: number): Promise<number | null> {
  return await Promise.race([s.proc.exited, Bun.sleep(ms).then(() => null)]);
}

test("SIGTERM lets an in-flight slow request finish, then exits 0", async () => {
  const { s, slowArrived } = await setup();
  const slow = get(s.url("web", "/slow?ms=1000"));
  await slowArrived;
  const signalledAt = performance.now();
  s.proc.kill("SIGTERM");
  expect(await slow).toEqual({ status: 200, body: "A slow done" });
  expect(await exitWithin(s, 5000)).toBe(0);
  // It waited for the request rather than exiting at once.
  expect(performance.now() - signalledAt).toBeGreaterThan(700);
  expect(s.output()).toContain("received SIGTERM");
}, 15_000);

test("requestAcceptGraceTimeout: /ping answers 503 while traffic is still accepted, then the process exits 0", async () => {
  const { s } = await setup("transport:\n  lifeCycle:\n    requestAcceptGraceTimeout: 1s");
  const signalledAt = performance.now();
  s.proc.kill("SIGTERM");
  // Polled briefly: the signal handler runs asynchronously in the child.
  let ping = await get(s.url("traefik", "/ping"));
  for (let i = 0; i < 20 && ping.status === 200; i++) {
    await Bun.sleep(10);
    ping = await get(s.url("traefik", "/ping"));
  }
  expect(ping.status).toBe(503);
  expect(await get(s.url("web", "/"))).toEqual({ status: 200, body: "A" });
  expect(performance.now() - signalledAt).toBeLessThan(1000);
  expect(await exitWithin(s, 5000)).toBe(0);
  expect(performance.now() - signalledAt).toBeGreaterThan(900);
}, 15_000);

test("graceTimeOut bounds a request that would take too long", async () => {
  const { s, slowArrived } = await setup("transport:\n  lifeCycle:\n    graceTimeOut: 1s");
  const slow = get(s.url("web", "/slow?ms=10000"));
  await slowArrived;
  const signalledAt = performance.now();
  s.proc.kill("SIGTERM");
  const code = await exitWithin(s, 4000);
  const took = performance.now() - signalledAt;
  expect(code).toBe(0);
  expect(took).toBeGreaterThan(900);
  expect(took).toBeLessThan(3500);
  // The cut request does not get the backend's answer.
  expect((await slow).body).not.toBe("A slow done");
  expect(s.output()).toContain("still running after graceTimeOut");
}, 15_000);

test("SIGUSR1 reopens the access log file (logrotate moves it, the next lines go to a new file)", async () => {
  backend = startNamedBackend("A", () => {});
  const dir = (await import("node:fs")).mkdtempSync(`${(await import("node:os")).tmpdir()}/sluice-rotate-`);
  const file = `${dir}/access.log`;
  sluice = await startSluice({
    files: { "a.yml": routesYaml([{ router: "all", prefix: "/", backend: backend.url }]) },
    staticExtra: `accessLog:\n  filePath: ${file}\n  bufferingSize: 0\n`,
  });
  const { existsSync, readFileSync, renameSync, rmSync } = await import("node:fs");
  const lines = (f: string) => (existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean) : []);
  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 100 && !ok(); i++) await Bun.sleep(20);
  };
  expect((await get(sluice.url("web", "/before"))).status).toBe(200);
  await until(() => lines(file).some((l) => l.includes("/before")));
  renameSync(file, `${file}.1`);
  sluice.proc.kill("SIGUSR1");
  await until(() => existsSync(file));
  expect((await get(sluice.url("web", "/after"))).status).toBe(200);
  await until(() => lines(file).some((l) => l.includes("/after")));
  expect(lines(`${file}.1`).some((l) => l.includes("/before"))).toBe(true);
  expect(lines(file).some((l) => l.includes("/after"))).toBe(true);
  expect(lines(`${file}.1`).some((l) => l.includes("/after"))).toBe(false);
  rmSync(dir, { recursive: true, force: true });
});
