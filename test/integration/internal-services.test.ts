// ping@internal and prometheus@internal as services, as Traefik names them:
// with manualRouting the built-in routers are gone and users route to the
// services themselves (their own rule, entrypoint and middlewares).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let sluice: RunningSluice;

beforeAll(async () => {
  // No /ping router to wait on: wait for the user's one instead.
  sluice = await startSluice({
    waitReady: false,
    entryPoints: ["web", "traefik"],
    args: ["--ping.manualRouting=true", "--metrics.prometheus.manualRouting=true"],
    files: {
      "internal.yml": `
http:
  routers:
    health:
      rule: Path(\`/healthz\`)
      entryPoints: [web]
      service: ping@internal
    scrape:
      rule: Path(\`/scrape\`)
      entryPoints: [web]
      service: prometheus@internal
      middlewares: [tagged]
  middlewares:
    tagged:
      headers:
        customResponseHeaders: { X-Scraped-By: sluice }
`,
    },
  });
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(sluice.url("web", "/healthz")).then((r) => r.status === 200, () => false);
    if (ok) break;
    await Bun.sleep(25);
  }
});

afterAll(async () => {
  await sluice?.stop();
});

describe("internal services with manualRouting", () => {
  test("the user's routers reach ping@internal and prometheus@internal, with their middlewares", async () => {
    const ping = await fetch(sluice.url("web", "/healthz"));
    expect([ping.status, ping.statusText, await ping.text()]).toEqual([200, "OK", "OK"]);
    const scrape = await fetch(sluice.url("web", "/scrape"));
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("x-scraped-by")).toBe("sluice");
    expect(await scrape.text()).toContain("sluice_config_reloads_total");
  });

  test("the built-in routers are not there", async () => {
    expect((await fetch(sluice.url("traefik", "/ping"))).status).toBe(404);
    expect((await fetch(sluice.url("traefik", "/metrics"))).status).toBe(404);
  });
});
