// Builds the Containerfile with buildah and runs the image: the demo route
// answers on :8000, ping on :8080, and the process runs as the non-root user.
//
//   npm run container-check            (needs buildah; mmdebstrap for stand-ins)
//
// Exit 0: built and checked; 1: a check failed; 2: a tool is missing or a
// port is taken; 3: this machine cannot create containers (no privileges).
//
// The base images are pulled when a registry answers. When none does (as on
// the machines this project is developed on, which reach only the Debian
// mirror and npm), faithful stand-ins are built first and tagged with the
// same names, and the build uses them without pulling:
// - gcr.io/distroless/base-debian12:nonroot: Debian 12 packages extracted
//   into an empty root without a package manager or shell (how distroless
//   itself is assembled), plus /etc/passwd and /etc/group with nonroot =
//   65532, /tmp, /home/nonroot and a CA bundle; user 65532.
// - docker.io/oven/bun:1.4: Debian 12 minbase with the same Bun as this
//   project's devDependency at /usr/local/bin/bun (its official layout).
// buildah keeps its images in a private storage directory, removed at the end;
// every process started is stopped by PID.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const BUN = join(ROOT, "node_modules", "bun", "bin", "bun.exe");
const DISTROLESS = "gcr.io/distroless/base-debian12:nonroot";
const BUN_IMAGE = "docker.io/oven/bun:1.4";
const IMAGE = "localhost/sluice:check";
const DEBIAN = "http://deb.debian.org/debian";

const work = mkdtempSync(join(tmpdir(), "sluice-container-"));
const storage = ["--root", join(work, "storage"), "--runroot", join(work, "run"), "--storage-driver", "vfs"];
const started: number[] = [];

function run(cmd: string[], opts: { quiet?: boolean; allowFail?: boolean; env?: Record<string, string> } = {}): { ok: boolean; out: string } {
  const p = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...opts.env } });
  const out = `${p.stdout.toString()}${p.stderr.toString()}`;
  if (p.exitCode !== 0 && !opts.allowFail) throw new Error(`${cmd.slice(0, 4).join(" ")} ... failed (exit ${p.exitCode}):\n${out.slice(-3000)}`);
  if (!opts.quiet && out.trim()) console.log(out.trim().split("\n").slice(-3).join("\n"));
  return { ok: p.exitCode === 0, out };
}

const buildah = (...args: string[]) => ["buildah", ...storage, ...args];

/** A new working container from `image` ("scratch" for an empty one); its name, or null when buildah refuses. */
function newContainer(image: string): string | null {
  const r = run(buildah("from", "--pull-never", image), { quiet: true, allowFail: true });
  return r.ok ? (r.out.trim().split("\n").pop() ?? null) : null;
}

function have(tool: string): boolean {
  return Bun.spawnSync(["sh", "-c", `command -v ${tool}`]).exitCode === 0;
}

/** The real base image, or false when no registry answers within 30 s. */
function pull(name: string): boolean {
  return run(["timeout", "30", ...buildah("pull", "--quiet", name)], { quiet: true, allowFail: true }).ok;
}

function standInDistroless(): void {
  const rootfs = join(work, "distroless");
  const tar = join(work, "distroless.tar");
  run(["mmdebstrap", "--quiet", "--variant=extract", "--include=base-files,netbase,tzdata,libc6,libgcc-s1,libssl3,ca-certificates", "bookworm", tar, DEBIAN]);
  run(["mkdir", "-p", rootfs]);
  run(["tar", "-xf", tar, "-C", rootfs]);
  const script = [
    `cd ${rootfs}`,
    "mkdir -p etc/ssl/certs tmp home/nonroot",
    "chmod 1777 tmp",
    "chown 65532:65532 home/nonroot",
    "printf 'root:x:0:0:root:/root:/sbin/nologin\\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\\n' > etc/passwd",
    "printf 'root:x:0:\\nnobody:x:65534:\\nnonroot:x:65532:\\n' > etc/group",
    "cp /etc/ssl/certs/ca-certificates.crt etc/ssl/certs/ca-certificates.crt",
    // distroless has no shell; an extracted package may have brought one
    "rm -f bin/sh bin/bash bin/dash usr/bin/sh usr/bin/bash usr/bin/dash",
  ].join(" && ");
  run(["sh", "-c", script]);
  const ctr = newContainer("scratch")!;
  run(buildah("add", ctr, `${rootfs}/`, "/"), { quiet: true });
  run(buildah("config", "--user", "65532:65532", "--workingdir", "/home/nonroot", ctr), { quiet: true });
  run(buildah("commit", "--quiet", ctr, DISTROLESS), { quiet: true });
  run(buildah("rm", ctr), { quiet: true });
}

function standInBun(): void {
  const tar = join(work, "bun-base.tar");
  run(["mmdebstrap", "--quiet", "--variant=minbase", "--include=ca-certificates", "bookworm", tar, DEBIAN]);
  const ctr = newContainer("scratch")!;
  run(buildah("add", ctr, tar, "/"), { quiet: true });
  run(buildah("copy", "--chmod", "755", ctr, BUN, "/usr/local/bin/bun"), { quiet: true });
  run(buildah("run", "--isolation", "chroot", ctr, "--", "sh", "-c", "ln -s /usr/local/bin/bun /usr/local/bin/bunx && mkdir -p /home/bun/app"), { quiet: true });
  // A TLS-intercepting proxy's CA (as on the development machines) reaches the build's `bun install`.
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  if (extraCa && existsSync(extraCa)) {
    run(buildah("copy", ctr, extraCa, "/etc/ssl/certs/extra-ca.crt"), { quiet: true });
    run(buildah("config", "--env", "NODE_EXTRA_CA_CERTS=/etc/ssl/certs/extra-ca.crt", ctr), { quiet: true });
  }
  run(buildah("config", "--workingdir", "/home/bun/app", "--cmd", '["/usr/local/bin/bun"]', ctr), { quiet: true });
  run(buildah("commit", "--quiet", ctr, BUN_IMAGE), { quiet: true });
  run(buildah("rm", ctr), { quiet: true });
}

async function get(url: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: "" };
  }
}

async function portFree(port: number): Promise<boolean> {
  return (await get(`http://127.0.0.1:${port}/`)).status === 0;
}

async function main(): Promise<number> {
  for (const tool of ["buildah", "mmdebstrap"]) {
    if (!have(tool)) {
      console.error(`container-check: ${tool} is missing (apt-get install -y buildah mmdebstrap)`);
      return 2;
    }
  }
  // Can this machine make containers at all (root or user namespaces, mounts)? Exit 3 tells a caller to skip, not fail.
  const probeCtr = newContainer("scratch");
  const mounted = probeCtr === null ? null : run(buildah("mount", probeCtr), { quiet: true, allowFail: true });
  if (mounted === null || !mounted.ok) {
    console.error(`container-check: buildah cannot create containers here${mounted ? `:\n${mounted.out.slice(-500)}` : ""}`);
    return 3;
  }
  run(buildah("rm", probeCtr!), { quiet: true, allowFail: true });
  for (const port of [8000, 8080]) {
    if (!(await portFree(port))) {
      console.error(`container-check: port ${port} is taken; the image listens there (config/sluice.container.yml)`);
      return 2;
    }
  }
  const t0 = performance.now();
  const pulled = pull(DISTROLESS) && pull(BUN_IMAGE);
  if (!pulled) {
    console.log("base images: no registry answered; building stand-ins from Debian packages (see the header of this script)");
    standInDistroless();
    standInBun();
  } else console.log("base images: pulled");

  console.log("building the Containerfile ...");
  run(buildah("bud", "--pull-never", "--isolation", "chroot", "--network", "host", "-f", "Containerfile", "-t", IMAGE, ROOT), { quiet: true });
  const size = run(buildah("images", "--format", "{{.Size}}", IMAGE), { quiet: true }).out.trim();
  const config = run(buildah("inspect", "--format", "{{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}} {{.OCIv1.Config.Cmd}}", IMAGE), { quiet: true }).out.trim();
  console.log(`built ${IMAGE} (${size}) in ${((performance.now() - t0) / 1000).toFixed(0)} s: user, entrypoint, cmd = ${config}`);

  const ctr = newContainer(IMAGE)!;
  const noShell = !run(buildah("run", "--isolation", "chroot", ctr, "--", "/bin/sh", "-c", "true"), { quiet: true, allowFail: true }).ok;
  // The image's own ENTRYPOINT and CMD, as a runtime would start them.
  const proc = Bun.spawn([...buildah("run", "--isolation", "chroot", ctr, "--", "/usr/local/bin/sluice", "--configFile=/etc/sluice/sluice.container.yml")], { stdout: "pipe", stderr: "pipe" });
  started.push(proc.pid);
  const failures: string[] = [];
  try {
    let demo = { status: 0, body: "" };
    for (let i = 0; i < 100 && demo.status !== 200; i++) {
      await Bun.sleep(100);
      demo = await get("http://127.0.0.1:8000/");
    }
    const ping = await get("http://127.0.0.1:8080/ping");
    const uid = sluiceUid();
    console.log(`GET / -> ${demo.status} (${demo.body.split("\n")[0]}); GET /ping -> ${ping.status} ${ping.body.trim()}; sluice uid ${uid}; /bin/sh ${noShell ? "absent" : "present"}`);
    if (demo.status !== 200 || !demo.body.includes("Name: sluice-demo")) failures.push("the demo route did not answer on :8000");
    if (ping.status !== 200) failures.push("ping did not answer on :8080");
    if (uid !== "65532") failures.push(`sluice runs as uid ${uid}, not the non-root 65532`);
    if (!noShell) failures.push("the runtime image has a shell");
  } finally {
    proc.kill();
    await proc.exited;
    run(buildah("rm", ctr), { quiet: true, allowFail: true });
  }
  for (const f of failures) console.error(`container-check: ${f}`);
  console.log(failures.length === 0 ? "container-check: ok" : "container-check: FAILED");
  return failures.length === 0 ? 0 : 1;
}

/** The uid of the sluice process the container runs (from /proc, found by its process name). */
function sluiceUid(): string {
  const out = run(["sh", "-c", "for p in $(pgrep -x sluice); do awk '/^Uid/{print $2}' /proc/$p/status; done"], { quiet: true, allowFail: true }).out.trim();
  return out.split("\n")[0] ?? "";
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`container-check: ${(err as Error).message}`);
} finally {
  for (const pid of started) {
    try {
      process.kill(pid);
    } catch {}
  }
  run(buildah("rm", "--all"), { quiet: true, allowFail: true });
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);
