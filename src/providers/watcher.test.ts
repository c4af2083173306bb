import { afterEach, describe, expect, test } from "bun:test";
import type { Diagnostic } from "../config/diagnostic.ts";
import type { DynamicConfig } from "../config/dynamic/types.ts";
import type { Emit, Provider } from "./provider.ts";
import { ConfigWatcher } from "./watcher.ts";

/** A provider the test drives by hand. */
class FakeProvider implements Provider {
  emit: Emit = () => {
    throw new Error("not started");
  };
  constructor(readonly name: string, private readonly fail?: string) {}
  async start(emit: Emit): Promise<void> {
    if (this.fail) throw new Error(this.fail);
    this.emit = emit;
  }
  send(config: DynamicConfig, diagnostics: Diagnostic[] = []): void {
    this.emit({ provider: this.name, config, diagnostics });
  }
}

const routes = (...hosts: string[]): DynamicConfig => ({
  http: { routers: Object.fromEntries(hosts.map((h) => [h, { rule: `Host(\`${h}\`)`, service: "s" }])) },
});
const broken: Diagnostic = { severity: "error", message: "bad", file: "a.yml", line: 1, column: 1 };

const aborts: AbortController[] = [];
afterEach(() => {
  for (const a of aborts.splice(0)) a.abort();
});

function setup(throttleMs: number, ...providers: FakeProvider[]) {
  const configs: { merged: DynamicConfig; diagnostics: Diagnostic[] }[] = [];
  const results: { ok: boolean; diagnostics: Diagnostic[] }[] = [];
  const watcher = new ConfigWatcher({
    throttleMs,
    onConfig: (merged, diagnostics) => configs.push({ merged, diagnostics }),
    onReloadResult: (ok, diagnostics) => results.push({ ok, diagnostics }),
  });
  for (const p of providers) watcher.add(p);
  const abort = new AbortController();
  aborts.push(abort);
  watcher.start(abort.signal);
  return { watcher, configs, results, abort };
}

const routerNames = (c: DynamicConfig) => Object.keys(c.http?.routers ?? {}).sort();

/** Lets the providers' async start() run. */
const tick = () => Bun.sleep(0);

describe("ConfigWatcher", () => {
  test("a provider's first config is applied at once, merged with qualified names", async () => {
    const file = new FakeProvider("file");
    const { configs, results } = setup(10_000, file);
    await tick();
    const warning: Diagnostic = { severity: "warning", message: "unknown key" };
    file.send(routes("a"), [warning]);
    expect(configs).toHaveLength(1);
    expect(routerNames(configs[0].merged)).toEqual(["a@file"]);
    expect(configs[0].merged.http?.routers?.["a@file"].service).toBe("s@file");
    expect(configs[0].diagnostics).toEqual([warning]);
    expect(results).toEqual([{ ok: true, diagnostics: [warning] }]);
  });

  test("a config with an error is reported and the last good one is kept", async () => {
    const file = new FakeProvider("file");
    const kube = new FakeProvider("kubernetescrd");
    const { configs, results } = setup(0, file, kube);
    await tick();
    file.send(routes("a"));
    file.send({}, [broken]);
    expect(configs).toHaveLength(1);
    expect(results.at(-1)).toEqual({ ok: false, diagnostics: [broken] });
    // Another provider's change recompiles with file's last good config.
    kube.send(routes("k"));
    expect(routerNames(configs.at(-1)!.merged)).toEqual(["a@file", "k@kubernetescrd"]);
  });

  test("an error as the very first message applies nothing", async () => {
    const file = new FakeProvider("file");
    const { configs, results } = setup(10_000, file);
    await tick();
    file.send(routes("a"), [broken]);
    expect(configs).toHaveLength(0);
    expect(results).toEqual([{ ok: false, diagnostics: [broken] }]);
    // The first good config after that is still applied at once.
    file.send(routes("b"));
    expect(configs).toHaveLength(1);
  });

  test("an unchanged config is dropped, whatever its key order", async () => {
    const file = new FakeProvider("file");
    const { configs } = setup(0, file);
    await tick();
    file.send({ http: { routers: { a: { rule: "x", service: "s" } } } });
    file.send({ http: { routers: { a: { service: "s", rule: "x" } } } });
    expect(configs).toHaveLength(1);
    file.send({ http: { routers: { a: { service: "s", rule: "y" } } } });
    expect(configs).toHaveLength(2);
  });

  test("throttling: within the window only the newest config is applied, once, after it", async () => {
    const file = new FakeProvider("file");
    const { configs } = setup(150, file);
    await tick();
    const t0 = Date.now();
    file.send(routes("v1"));
    file.send(routes("v2"));
    file.send(routes("v3"));
    expect(configs).toHaveLength(1);
    for (let i = 0; i < 100 && configs.length < 2; i++) await Bun.sleep(10);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(configs.map((c) => routerNames(c.merged))).toEqual([["v1@file"], ["v3@file"]]);
    await Bun.sleep(200);
    expect(configs).toHaveLength(2);
  });

  test("after the window has passed, the next config is applied at once", async () => {
    const file = new FakeProvider("file");
    const { configs } = setup(30, file);
    await tick();
    file.send(routes("v1"));
    await Bun.sleep(60);
    file.send(routes("v2"));
    expect(configs).toHaveLength(2);
  });

  test("a waiting config that returns to what is applied is dropped", async () => {
    const file = new FakeProvider("file");
    const { configs } = setup(80, file);
    await tick();
    file.send(routes("v1"));
    file.send(routes("v2"));
    file.send(routes("v1"));
    await Bun.sleep(200);
    expect(configs).toHaveLength(1);
  });

  test("throttling is per provider", async () => {
    const file = new FakeProvider("file");
    const kube = new FakeProvider("kubernetescrd");
    const { configs } = setup(10_000, file, kube);
    await tick();
    file.send(routes("a"));
    file.send(routes("b")); // waits for file's window
    kube.send(routes("k")); // kube's first config: at once
    expect(configs).toHaveLength(2);
    expect(routerNames(configs[1].merged)).toEqual(["a@file", "k@kubernetescrd"]);
  });

  test("nothing waiting is applied after abort", async () => {
    const file = new FakeProvider("file");
    const { configs, abort } = setup(50, file);
    await tick();
    file.send(routes("v1"));
    file.send(routes("v2"));
    abort.abort();
    await Bun.sleep(120);
    expect(configs).toHaveLength(1);
  });

  test("a provider that fails to start is reported", async () => {
    const { results } = setup(0, new FakeProvider("file", "boom"));
    await tick();
    expect(results).toHaveLength(1);
    expect(results[0].ok).toBe(false);
    expect(results[0].diagnostics[0].message).toContain("boom");
  });

  test("when onConfig throws, the failure is reported and the config is not taken as applied", async () => {
    const file = new FakeProvider("file");
    const results: boolean[] = [];
    let calls = 0;
    const watcher = new ConfigWatcher({
      throttleMs: 0,
      onConfig: () => {
        calls++;
        if (calls === 1) throw new Error("compile crashed");
      },
      onReloadResult: (ok) => results.push(ok),
    });
    watcher.add(file);
    const abort = new AbortController();
    aborts.push(abort);
    watcher.start(abort.signal);
    await tick();
    file.send(routes("a"));
    file.send(routes("a")); // same config, but the first never went live: tried again
    expect(calls).toBe(2);
    expect(results).toEqual([false, true]);
  });
});
