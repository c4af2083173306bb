// Hot reload through the real process: file edits, atomic saves, new and
// deleted files, broken files, dangling routers, SIGHUP, and swaps under load.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";
import { get, pollUntil, routesYaml, startNamedBackend, type NamedBackend } from "./reload-helpers.ts";

let a: NamedBackend;
let b: NamedBackend;
let sluice: RunningSluice | undefined;

beforeAll(() => {
  a = startNamedBackend("A");
  b = startNamedBackend("B");
});
afterAll(async () => {
  await a.stop();
  await b.stop();
});
afterEach(async () => {
  await sluice?.stop();
  sluice = undefined;
});

const one = () => ({ router: "one", prefix: "/one", backend: a.url });
const two = () => ({ router: "two", prefix: "/two", backend: b.url });

async function start(opts: { watch?: boolean; staticExtra?: string } = {}): Promise<RunningSluice> {
  sluice = await startSluice({ files: { "a.yml": routesYaml([one()]) }, ...opts });
  expect(await get(sluice.url("web", "/one"))).toEqual({ status: 200, body: "A" });
  return sluice;
}

describe("reload", () => {
  test("a router, service or server gone from the configuration takes its metric series with it", async () => {
    const s = await start({ staticExtra: "metrics:\n  prometheus:\n    entryPoint: traefik\n    addRoutersLabels: true\n" });
    s.write("b.yml", routesYaml([two()]));
    expect(await pollUntil(s.url("web", "/two"), 200, "B")).toBe(true);
    const metrics = async () => (await get(s.url("traefik", "/metrics"))).body;
    const before = await metrics();
    expect(before).toContain('service="svc-two@file"');
    expect(before).toContain('router="two@file"');
    expect(before).toContain(`sluice_service_server_up{service="svc-two@file",url="${b.url}/"} 1`);
    rmSync(join(s.dynamicDir, "b.yml"));
    expect(await pollUntil(s.url("web", "/two"), 404)).toBe(true);
    const after = await metrics();
    expect(after).not.toContain('service="svc-two@file"');
    expect(after).not.toContain('router="two@file"');
    // What stayed keeps its series.
    expect(after).toContain('service="svc-one@file"');
  });

  test("an edited file's new route answers", async () => {
    const s = await start();
    expect((await get(s.url("web", "/two"))).status).toBe(404);
    s.write("a.yml", routesYaml([one(), two()]));
    expect(await pollUntil(s.url("web", "/two"), 200, "B")).toBe(true);
    expect(await get(s.url("web", "/one"))).toEqual({ status: 200, body: "A" });
  });

  test("an editor-style atomic save (write temp, rename) is picked up", async () => {
    const s = await start();
    s.writeAtomic("a.yml", routesYaml([{ ...one(), backend: b.url }]));
    expect(await pollUntil(s.url("web", "/one"), 200, "B")).toBe(true);
    // A second save of the same file is seen too (the watch follows the new inode).
    s.writeAtomic("a.yml", routesYaml([one(), two()]));
    expect(await pollUntil(s.url("web", "/one"), 200, "A")).toBe(true);
    expect(await get(s.url("web", "/two"))).toEqual({ status: 200, body: "B" });
  });

  test("a new file adds its routes; deleting it removes them", async () => {
    const s = await start();
    s.write("b.yml", routesYaml([two()]));
    expect(await pollUntil(s.url("web", "/two"), 200, "B")).toBe(true);
    rmSync(join(s.dynamicDir, "b.yml"));
    expect(await pollUntil(s.url("web", "/two"), 404)).toBe(true);
    expect(await get(s.url("web", "/one"))).toEqual({ status: 200, body: "A" });
  });

  test("a broken YAML file keeps the last good config and is reported with file:line:column; fixing it applies", async () => {
    const s = await start();
    // Line 5 is indented by 5 spaces instead of 6.
    s.write("a.yml", 'http:\n  routers:\n    one:\n      rule: "PathPrefix(`/two`)"\n     service: svc-one\n');
    expect(await s.waitForOutput(/a\.yml:5:\d+: error: invalid YAML/)).toBe(true);
    expect(s.output()).toContain("last good configuration keeps serving");
    expect(await get(s.url("web", "/one"))).toEqual({ status: 200, body: "A" });
    expect((await get(s.url("web", "/two"))).status).toBe(404);

    s.write("a.yml", routesYaml([one(), two()]));
    expect(await pollUntil(s.url("web", "/two"), 200, "B")).toBe(true);
    expect(await get(s.url("web", "/one"))).toEqual({ status: 200, body: "A" });
  });

  test("a router pointing to a missing service is disabled with a diagnostic; the others keep serving", async () => {
    const s = await start();
    s.write("b.yml", routesYaml([two(), { router: "dangling", prefix: "/dangling", backend: "", service: "nope" }]));
    expect(await pollUntil(s.url("web", "/two"), 200, "B")).toBe(true);
    expect(await s.waitForOutput(/router dangling@file: .*"nope@file" does not exist/)).toBe(true);
    expect((await get(s.url("web", "/dangling"))).status).toBe(404);
    expect(await get(s.url("web", "/one"))).toEqual({ status: 200, body: "A" });
  });

  test("SIGHUP reloads when file watching is off", async () => {
    const s = await start({ watch: false });
    s.write("a.yml", routesYaml([one(), two()]));
    // Not watched: the change stays unseen.
    await Bun.sleep(600);
    expect((await get(s.url("web", "/two"))).status).toBe(404);
    s.proc.kill("SIGHUP");
    expect(await pollUntil(s.url("web", "/two"), 200, "B")).toBe(true);
    expect(s.output()).toContain("received SIGHUP");
    expect(await get(s.url("web", "/one"))).toEqual({ status: 200, body: "A" });
  });

  test("no request fails while the config is rewritten under traffic", async () => {
    const s = await start();
    const MIN_REQUESTS = 2000;
    const MAX_REQUESTS = 20_000;
    const CONCURRENCY = 16;
    const REWRITES = 6;
    const deadline = Date.now() + 20_000;
    let sent = 0;
    let rewritesDone = false;
    const failures: string[] = [];
    const worker = async () => {
      while ((sent < MIN_REQUESTS || !rewritesDone) && sent < MAX_REQUESTS && Date.now() < deadline) {
        sent++;
        const r = await get(s.url("web", "/one"));
        if (r.status !== 200 || r.body !== "A") failures.push(`${r.status} ${r.body.slice(0, 80)}`);
      }
    };
    const rewriter = async () => {
      let applied = 0;
      for (let i = 1; i <= REWRITES; i++) {
        // Only an unrelated router changes; /one must stay up throughout.
        s.write("b.yml", routesYaml([{ router: "other", prefix: `/other-${i}`, backend: b.url }]));
        if (await pollUntil(s.url("web", `/other-${i}`), 200, "B")) applied++;
      }
      rewritesDone = true;
      return applied;
    };
    const [applied] = await Promise.all([rewriter(), ...Array.from({ length: CONCURRENCY }, worker)]);
    expect(applied).toBe(REWRITES);
    expect(sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(failures.length).toBe(0);
  }, 30_000);
});
