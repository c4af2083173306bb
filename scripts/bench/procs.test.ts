import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RssSampler, logTail, runTool, spawnTracked, stopAll, stopTracked } from "./procs.ts";

test("a tracked process is stopped by PID and its output kept", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-procs-test-"));
  try {
    const t = spawnTracked("sleeper", ["sh", "-c", "echo started >&2; exec sleep 30"], join(dir, "sleeper"));
    await Bun.sleep(200);
    const peak = new RssSampler(t.pid, 20).start();
    await Bun.sleep(60);
    expect(peak.stop()).toBeGreaterThan(0);
    await stopTracked(t, 2000);
    expect(t.proc.signalCode).toBe("SIGTERM");
    expect(logTail(t)).toContain("started");
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("runTool collects output and kills an overrunning tool", async () => {
  const ok = await runTool("echo", ["sh", "-c", "echo out; echo err >&2"], 5000);
  expect(ok).toEqual({ exitCode: 0, stdout: "out\n", stderr: "err\n" });
  const started = performance.now();
  const slow = await runTool("sleep", ["sleep", "30"], 200);
  expect(slow.exitCode).not.toBe(0);
  expect(performance.now() - started).toBeLessThan(5000);
});
