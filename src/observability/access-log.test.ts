import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AccessLogConfig } from "../config/static/types.ts";
import { AccessLog } from "./access-log.ts";
import { finishedContext } from "./test-context.ts";

const base: AccessLogConfig = { format: "common", bufferingSize: 0 };
const dir = mkdtempSync(join(tmpdir(), "sluice-accesslog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nextTick = () => new Promise<void>((r) => setImmediate(r));

function collect(cfg: Partial<AccessLogConfig> = {}) {
  const chunks: string[] = [];
  const al = new AccessLog({ ...base, ...cfg }, (c) => chunks.push(c));
  return { al, chunks, lines: () => chunks.join("").split("\n").filter(Boolean) };
}

describe("AccessLog", () => {
  test("bufferingSize 0: nothing written synchronously, one write per tick", async () => {
    const { al, chunks, lines } = collect();
    al.log(finishedContext());
    al.log(finishedContext({ path: "/second" }));
    expect(chunks.length).toBe(0);
    await nextTick();
    expect(chunks.length).toBe(1);
    expect(lines().length).toBe(2);
    expect(lines()[1]).toContain(`"GET /second HTTP/1.1"`);
    await al.close();
  });

  test("RequestCount is process-wide and increases per request, filtered ones included", async () => {
    const a = collect({ filters: { statusCodes: ["500"] } });
    const b = collect();
    b.al.log(finishedContext());
    a.al.log(finishedContext()); // filtered out, still counted
    b.al.log(finishedContext());
    await Promise.all([a.al.flush(), b.al.flush()]);
    expect(a.lines()).toEqual([]);
    const counts = b.lines().map((l) => Number(l.split(" ").at(-4)));
    expect(counts[1]! - counts[0]!).toBe(2);
    await Promise.all([a.al.close(), b.al.close()]);
  });

  test("bufferingSize N: lines held until N are queued, then written as one chunk", async () => {
    const { al, chunks } = collect({ bufferingSize: 3 });
    al.log(finishedContext());
    al.log(finishedContext());
    await nextTick();
    expect(chunks.length).toBe(0);
    al.log(finishedContext());
    expect(chunks.length).toBe(1);
    expect(chunks[0]!.split("\n").filter(Boolean).length).toBe(3);
    await al.close();
  });

  test("close writes out held lines; logging after close is ignored", async () => {
    const { al, lines } = collect({ bufferingSize: 100 });
    al.log(finishedContext());
    al.log(finishedContext());
    await al.close();
    expect(lines().length).toBe(2);
    al.log(finishedContext());
    await nextTick();
    expect(lines().length).toBe(2);
  });

  test("held lines leave after maxDelayMs on quiet traffic", async () => {
    const chunks: string[] = [];
    const al = new AccessLog({ ...base, bufferingSize: 50 }, (c) => chunks.push(c), { maxDelayMs: 20 });
    al.log(finishedContext());
    const deadline = Date.now() + 2000;
    while (chunks.length === 0 && Date.now() < deadline) await Bun.sleep(5);
    expect(chunks.length).toBe(1);
    await al.close();
  });

  test("filters decide on downstream status, retries and duration", async () => {
    const { al, lines } = collect({ filters: { statusCodes: ["500-599"], retryAttempts: true, minDurationMs: 100 } });
    al.log(finishedContext({ downstreamStatus: 200, path: "/ok" }));
    al.log(finishedContext({ downstreamStatus: 502, path: "/bad" }));
    al.log(finishedContext({ retryAttempts: 1, path: "/retried" }));
    al.log(finishedContext({ durationMs: 150, path: "/slow" }));
    await al.close();
    expect(lines().map((l) => l.split(" ")[6])).toEqual(["/bad", "/retried", "/slow"]);
  });

  test("JSON lines with an injected clock", async () => {
    const chunks: string[] = [];
    const al = new AccessLog({ ...base, format: "json" }, (c) => chunks.push(c), { now: () => Date.UTC(2026, 10, 25, 9, 0, 0) });
    al.log(finishedContext(), { version: "1.3", cipher: "TLS_AES_128_GCM_SHA256" });
    await al.close();
    const obj = JSON.parse(chunks.join(""));
    expect(obj.DownstreamStatus).toBe(200);
    expect(obj.TLSVersion).toBe("1.3");
    expect(obj.time).toMatch(/^2026-11-25T\d\d:\d\d:00(Z|[+-]\d\d:\d\d)$/);
  });

  test("file output appends to what is there, and close flushes", async () => {
    const file = join(dir, "nested", "access.log");
    const first = new AccessLog({ ...base, filePath: file, bufferingSize: 10 });
    first.log(finishedContext({ path: "/one" }));
    await first.close();
    writeFileSync(file, readFileSync(file, "utf8") + "marker\n");
    const second = new AccessLog({ ...base, filePath: file });
    second.log(finishedContext({ path: "/two" }));
    await second.close();
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    expect(lines.length).toBe(3);
    expect(lines[0]).toContain("/one");
    expect(lines[1]).toBe("marker");
    expect(lines[2]).toContain("/two");
  });

  test("reopen writes to a fresh file after the old one was moved away", async () => {
    const file = join(dir, "rotate.log");
    const al = new AccessLog({ ...base, filePath: file });
    al.log(finishedContext({ path: "/before" }));
    await al.flush();
    const { renameSync } = await import("node:fs");
    renameSync(file, file + ".1");
    await al.reopen();
    al.log(finishedContext({ path: "/after" }));
    await al.close();
    expect(readFileSync(file + ".1", "utf8")).toContain("/before");
    expect(readFileSync(file, "utf8")).toContain("/after");
    expect(readFileSync(file, "utf8")).not.toContain("/before");
  });
});
