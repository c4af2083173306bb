// entryPoints.<n>.http.redirections.entryPoint through the real process,
// configured with the Traefik flags people pass in their DaemonSets.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

let sluice: RunningSluice;

beforeAll(async () => {
  sluice = await startSluice({
    args: [
      "--entrypoints.web.http.redirections.entrypoint.to=:8443",
      "--entrypoints.web.http.redirections.entrypoint.scheme=https",
    ],
    files: { "r.yml": "http:\n  routers:\n    r: { rule: \"PathPrefix(`/`)\", service: whoami@internal }\n" },
  });
});

afterAll(async () => {
  await sluice?.stop();
});

test.each([
  ["GET", 301],
  ["POST", 308],
])("%s on the redirecting entrypoint: %d to https", async (method, status) => {
  const res = await fetch(sluice.url("web", "/x?y=1"), { method, redirect: "manual", headers: { host: "a.test" } });
  expect(res.status).toBe(status);
  expect(res.headers.get("location")).toBe("https://a.test:8443/x?y=1");
});

test("other entrypoints are not redirected", async () => {
  const res = await fetch(sluice.url("traefik", "/ping"));
  expect(res.status).toBe(200);
});
