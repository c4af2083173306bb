// The sluice command line through the real process: version, check (clean
// and broken configs), an unknown static flag, and whoami.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { freePort, waitFor } from "../harness/ports.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");

interface Ran {
  code: number;
  out: string;
}

/** Runs `sluice <args>` to completion (bounded) and returns its exit code and stdout+stderr. */
async function sluice(args: string[], timeoutMs = 15_000): Promise<Ran> {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env } });
  const killer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(killer);
  return { code, out: stdout + stderr };
}

let dir: string;

/** A static config whose file provider reads `dynamic/<name>` only. */
function staticFor(name: string, dynamic: string): string {
  const dynDir = join(dir, name);
  mkdirSync(dynDir, { recursive: true });
  writeFileSync(join(dynDir, "dynamic.yml"), dynamic);
  const file = join(dir, `${name}.static.yml`);
  writeFileSync(file, `entryPoints:\n  web:\n    address: "127.0.0.1:0"\nproviders:\n  file:\n    directory: ${dynDir}\n`);
  return file;
}

const GOOD = `http:
  routers:
    api:
      entryPoints: [web]
      rule: "Host(\`api.test\`) && PathPrefix(\`/v1\`)"
      service: api
  services:
    api:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:9"
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sluice-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sluice CLI", () => {
  test("version prints the package version", async () => {
    const r = await sluice(["version"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`sluice ${pkg.version}`);
  });

  test("check on a good config exits 0", async () => {
    const r = await sluice(["check", `--configFile=${staticFor("good", GOOD)}`]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("1/1 routers enabled, 0 error(s)");
  });

  test("check on a YAML error and a bad rule exits 1 with file:line:col and a caret", async () => {
    const staticFile = staticFor("bad", GOOD);
    // A second file with an unclosed flow sequence.
    writeFileSync(join(dir, "bad", "broken.yml"), "http:\n  routers:\n    x: [unclosed\n");
    // The router's rule calls an unknown matcher.
    writeFileSync(
      join(dir, "bad", "rule.yml"),
      'http:\n  routers:\n    badrule:\n      rule: "Host(`a.test`) && Foo(`x`)"\n      service: api\n',
    );
    const r = await sluice(["check", `--configFile=${staticFile}`]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/broken\.yml:\d+:\d+: error: invalid YAML/);
    const lines = r.out.split("\n");
    const ruleLine = lines.findIndex((l) => l.includes("badrule") && l.includes('unknown matcher "Foo"'));
    expect(ruleLine).toBeGreaterThanOrEqual(0);
    // The rule echoed, then a caret under `Foo` (0-based offset 18 in the rule).
    const ruleText = "Host(`a.test`) && Foo(`x`)";
    const echoed = lines.slice(ruleLine + 1).find((l) => l.includes(ruleText));
    expect(echoed).toBeDefined();
    const caret = lines[lines.indexOf(echoed!) + 1];
    expect(caret.indexOf("^")).toBe(echoed!.indexOf(ruleText) + ruleText.indexOf("Foo"));
    expect(r.out).toMatch(/error\(s\)/);
  });

  test("check points compile-time problems at file:line:col: a missing service, a middleware option, a TLS option", async () => {
    const staticFile = staticFor("compile", GOOD);
    writeFileSync(
      join(dir, "compile", "more.yml"),
      [
        "http:",
        "  routers:",
        "    lost:",
        "      rule: Host(`lost.test`)",
        "      service: nowhere",
        "    prefixed:",
        "      rule: Host(`p.test`)",
        "      service: api",
        "      middlewares: [pre]",
        "      tls:",
        "        options: modern",
        "  middlewares:",
        "    pre:",
        "      addPrefix:",
        "        prefix: no-slash",
        "tls:",
        "  options:",
        "    modern:",
        "      minVersion: VersionTLS14",
        "",
      ].join("\n"),
    );
    const r = await sluice(["check", `--configFile=${staticFile}`]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/more\.yml:5:16: error: router lost@file: service "nowhere@file" does not exist/);
    expect(r.out).toMatch(/more\.yml:15:17: error: middleware pre@file: prefix: must start with "\/"/);
    expect(r.out).toMatch(/more\.yml:19:19: error: TLS option modern@file: minVersion: expected one of VersionTLS10/);
  });

  test("an unknown static flag exits 2 and suggests the right name", async () => {
    const r = await sluice(["--entrypoints.web.adress=:80"]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("adress");
    expect(r.out).toMatch(/did you mean "?address"?/);
  });

  test("whoami --port N answers", async () => {
    const port = await freePort();
    const proc = Bun.spawn([process.execPath, MAIN, "whoami", "--port", String(port), "--hostname", "127.0.0.1", "--name", "cli-test"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      let body = "";
      const up = await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        body = await res.text();
        return res.status === 200;
      }, 10_000);
      expect(up).toBe(true);
      expect(body).toContain("Name: cli-test");
      expect(body).toContain("GET / HTTP/1.1");
    } finally {
      proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      expect(await proc.exited).toBe(0);
      clearTimeout(killer);
    }
  });
});
