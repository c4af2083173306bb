import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBenchCert } from "./certs.ts";
import { backendConfig, hasHttp2Directive, parseNginxVersion, proxyConfig, tlsProxyConfig, type NginxPaths } from "./nginx.ts";

const nginx = Bun.which("nginx") ?? Bun.which("nginx", { PATH: "/usr/sbin" });
const openssl = Bun.which("openssl");
const dir = mkdtempSync(join(tmpdir(), "sluice-bench-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const paths: NginxPaths = { dir, www: join(dir, "www"), bodyTemp: join(dir, "spool") };
const cert = { certFile: join(dir, "leaf.pem"), keyFile: join(dir, "leaf.key") };

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

  test.each([
    [true, /listen 127\.0\.0\.1:8003 ssl backlog=4096;\s*http2 on;/],
    [false, /listen 127\.0\.0\.1:8003 ssl http2 backlog=4096;/],
  ])("TLS proxy (http2 directive %p): same proxying, TLS 1.2/1.3, the bench certificate", (directive, listen) => {
    const conf = tlsProxyConfig(paths, 8003, 8001, cert, directive);
    expect(conf).toMatch(listen);
    expect(conf.includes("http2 on;")).toBe(directive);
    expect(conf).toContain("ssl_protocols TLSv1.2 TLSv1.3;");
    expect(conf).toContain(`ssl_certificate ${cert.certFile};`);
    expect(conf).toContain(`ssl_certificate_key ${cert.keyFile};`);
    expect(conf).toMatch(/upstream backend \{\s*server 127\.0\.0\.1:8001;\s*keepalive 64;/);
    expect(conf).toContain("proxy_set_header X-Forwarded-Proto $scheme;");
    expect(conf).toContain("worker_processes 1;");
    expect(conf).toContain(join(dir, "proxy-tls.pid"));
  });

  test.each([
    ["nginx version: nginx/1.22.1", [1, 22, 1], false],
    ["nginx version: nginx/1.25.0", [1, 25, 0], false],
    ["nginx version: nginx/1.25.1", [1, 25, 1], true],
    ["nginx version: nginx/1.26.3 (Ubuntu)", [1, 26, 3], true],
    ["nginx version: nginx/2.0.0", [2, 0, 0], true],
  ] as const)("%p: `http2 on` is %p", (text, version, directive) => {
    expect(parseNginxVersion(text)).toEqual([...version]);
    expect(hasHttp2Directive([...version])).toBe(directive);
  });

  test("an unreadable version", () => {
    expect(parseNginxVersion("command not found")).toBeUndefined();
  });

  // `nginx -t` checks both files the way the benchmark will run them.
  test.skipIf(!nginx || !openssl).each(["backend", "proxy", "proxy-tls"])("nginx -t accepts the %p config", async (name) => {
    mkdirSync(join(dir, `nginx-temp-${name}`), { recursive: true });
    // -t loads the certificate, so a real one is needed; `http2 on` only where this nginx has it.
    if (name === "proxy-tls") Object.assign(cert, makeBenchCert(openssl!, dir));
    const version = parseNginxVersion(Bun.spawnSync([nginx!, "-v"], { stderr: "pipe" }).stderr.toString());
    const conf =
      name === "backend" ? backendConfig(paths, 8001) : name === "proxy" ? proxyConfig(paths, 8002, 8001) : tlsProxyConfig(paths, 8003, 8001, cert, !!version && hasHttp2Directive(version));
    const file = join(dir, `${name}.conf`);
    await Bun.write(file, conf);
    const r = Bun.spawnSync([nginx!, "-t", "-q", "-p", dir, "-c", file, "-g", "daemon off;"], { stderr: "pipe" });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  });
});
