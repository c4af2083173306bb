// The Containerfile's runtime stage, emulated without a container engine
// (none can run on the CI machines): the stage's files are laid out in an
// empty root directory as its COPY lines say, on what the base image
// provides, and the ENTRYPOINT + CMD run there under chroot, as the USER,
// with /proc and /dev mounted as a container runtime would.
//
// The base image followed is gcr.io/distroless/base-debian12:nonroot: glibc
// (libc, libm, libpthread, libdl, librt, the loader), /etc/passwd and
// /etc/group with nonroot = 65532, /tmp, and no shell. The build stage is not
// emulated: the binary comes from scripts/build.ts, as in that stage.
import { afterAll, expect, test } from "bun:test";
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort, waitFor } from "../harness/ports.ts";
import { get } from "./reload-helpers.ts";

const ROOT = join(import.meta.dir, "..", "..");
const NONROOT = 65532;
const GLIBC = /^(libc|libm|libpthread|libdl|librt|ld-linux-x86-64|ld-linux-aarch64)\.so/;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface RuntimeStage {
  /** COPY lines of the last stage: [source, destination]; `--from=build` sources are the binary. */
  copies: Array<{ fromBuild: boolean; source: string; destination: string }>;
  user: string;
  entrypoint: string[];
  cmd: string[];
}

/** The last stage of the Containerfile (after its last FROM). */
function runtimeStage(text: string): RuntimeStage {
  const lines = text.split("\n").map((l) => l.trim());
  const from = lines.findLastIndex((l) => /^FROM\s/i.test(l));
  const stage: RuntimeStage = { copies: [], user: "root", entrypoint: [], cmd: [] };
  for (const line of lines.slice(from + 1)) {
    const [word, ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    switch (word?.toUpperCase()) {
      case "COPY": {
        const parts = rest.filter((p) => !p.startsWith("--"));
        stage.copies.push({ fromBuild: rest.some((p) => p.startsWith("--from=")), source: parts[0]!, destination: parts[1]! });
        break;
      }
      case "USER":
        stage.user = args;
        break;
      case "ENTRYPOINT":
        stage.entrypoint = JSON.parse(args);
        break;
      case "CMD":
        stage.cmd = JSON.parse(args);
        break;
    }
  }
  return stage;
}

function canEmulate(): string | null {
  if (process.getuid?.() !== 0) return "needs root (chroot, mount)";
  for (const tool of ["unshare", "chroot", "ldd"]) if (!Bun.which(tool)) return `needs ${tool}`;
  const probe = Bun.spawnSync(["unshare", "--mount", "--propagation", "private", "true"], { stderr: "pipe" });
  if (probe.exitCode !== 0) return `cannot make a mount namespace here: ${probe.stderr.toString().trim()}`;
  return null;
}

const skipReason = canEmulate();
if (skipReason) console.warn(`container runtime emulation skipped: ${skipReason}`);

test.skipIf(skipReason !== null)(
  "the runtime stage runs the binary on glibc alone, as nonroot, on the image's own config",
  async () => {
    const stage = runtimeStage(readFileSync(join(ROOT, "Containerfile"), "utf8"));
    expect(stage.user).toBe("nonroot:nonroot");

    const work = mkdtempSync(join(tmpdir(), "sluice-ctr-"));
    dirs.push(work);
    const built = join(work, "sluice");
    const build = Bun.spawnSync([process.execPath, "scripts/build.ts", built], { cwd: ROOT, stderr: "pipe" });
    if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);

    // The base image: glibc only. Anything else the binary links would be missing there.
    const rootfs = join(work, "rootfs");
    const libs = Bun.spawnSync(["ldd", built]).stdout.toString().match(/\/\S+/g) ?? [];
    expect(libs.length).toBeGreaterThan(0);
    for (const lib of libs) {
      expect(lib.split("/").pop()!).toMatch(GLIBC);
      mkdirSync(join(rootfs, dirname(lib)), { recursive: true });
      copyFileSync(lib, join(rootfs, lib));
    }
    for (const d of ["etc", "tmp", "proc", "dev"]) mkdirSync(join(rootfs, d), { recursive: true });
    chmodSync(join(rootfs, "tmp"), 0o1777);
    writeFileSync(join(rootfs, "etc/passwd"), `root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:${NONROOT}:${NONROOT}:nonroot:/home/nonroot:/sbin/nologin\n`);
    writeFileSync(join(rootfs, "etc/group"), `root:x:0:\nnonroot:x:${NONROOT}:\n`);

    // The stage's own files.
    for (const copy of stage.copies) {
      const destination = join(rootfs, copy.destination);
      mkdirSync(dirname(destination), { recursive: true });
      if (copy.fromBuild) {
        copyFileSync(built, destination);
        chmodSync(destination, 0o755);
      } else {
        cpSync(join(ROOT, copy.source), destination, { recursive: true });
      }
    }

    // The image's command, with loopback ports instead of the published ones (flags override the file).
    const web = await freePort();
    const admin = await freePort();
    const command = [...stage.entrypoint, ...stage.cmd, `--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.traefik.address=127.0.0.1:${admin}`];
    const quoted = command.map((a) => `'${a}'`).join(" ");
    // A private mount namespace: /proc and /dev go away with the process.
    const script = `mount -t proc proc '${rootfs}/proc' && mount --bind /dev '${rootfs}/dev' && exec chroot --userspec=${NONROOT}:${NONROOT} '${rootfs}' ${quoted}`;
    const proc = Bun.spawn(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], { stdout: "pipe", stderr: "pipe" });
    const output = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    const up = await waitFor(async () => (await get(`http://127.0.0.1:${admin}/ping`)).status === 200, 10_000);
    if (!up) {
      proc.kill("SIGKILL");
      throw new Error(`the image's command is not answering:\n${(await output).join("\n")}`);
    }
    try {
      const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
      expect(status).toMatch(new RegExp(`^Uid:\\s+${NONROOT}\\s+${NONROOT}\\s+${NONROOT}`, "m"));
      // The example config's demo route, and the metrics the image's config turns on.
      const demo = await get(`http://127.0.0.1:${web}/`);
      expect(demo.status).toBe(200);
      expect(demo.body).toContain("Name: sluice-demo");
      expect((await get(`http://127.0.0.1:${admin}/metrics`)).body).toContain("sluice_entrypoint_requests_total");
    } finally {
      proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      const code = await proc.exited;
      clearTimeout(killer);
      expect(code).toBe(0);
    }
  },
  60_000,
);
