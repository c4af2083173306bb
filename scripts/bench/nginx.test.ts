import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backendConfig, proxyConfig, type NginxPaths } from "./nginx.ts";

const nginx = Bun.which("nginx") ?? Bun.which("nginx", { PATH: "/usr/sbin" });
const dir = mkdtempSync(join(tmpdir(), "sluice-bench-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const paths: NginxPaths = { dir, www: join(dir, "www"), bodyTemp: join(dir, "spool") };

describe("nginx bench configs", () => {
  test("backend reads uploads in full and serves the files", () => {
    const conf = backendConfig(paths, 8001);
    expect(conf).toContain("listen 127.0.0.1:8001");
    expect(conf).toContain(`root ${paths.www};`);
    expect(conf).toMatch(/location = \/upload \{[^}]*client_max_body_size 0;[^}]*proxy_pass http:\/\/127\.0\.0\.1:8001\/uploaded;/);
    expect(conf).toContain(`client_body_temp_path ${paths.bodyTemp};`);
  });

  test("proxy: keep-alive upstream, streaming for big bodies", () => {
    const conf = proxyConfig(paths, 8002, 8001);
    expect(conf).toMatch(/upstream backend \{\s*server 127\.0\.0\.1:8001;\s*keepalive 64;/);
    expect(conf).toContain('proxy_set_header Connection "";');
    expect(conf).toContain("proxy_http_version 1.1;");
    expect(conf).toMatch(/location = \/1g \{ proxy_buffering off;/);
    expect(conf).toMatch(/location = \/upload \{[^}]*proxy_request_buffering off;/);
    expect(conf).toContain("worker_processes 1;");
  });

  // `nginx -t` checks both files the way the benchmark will run them.
  test.skipIf(!nginx).each(["backend", "proxy"])("nginx -t accepts the %p config", async (name) => {
    mkdirSync(join(dir, `nginx-temp-${name}`), { recursive: true });
    const conf = name === "backend" ? backendConfig(paths, 8001) : proxyConfig(paths, 8002, 8001);
    const file = join(dir, `${name}.conf`);
    await Bun.write(file, conf);
    const r = Bun.spawnSync([nginx!, "-t", "-q", "-p", dir, "-c", file, "-g", "daemon off;"], { stderr: "pipe" });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  });
});
