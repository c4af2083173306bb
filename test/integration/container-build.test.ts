// The Containerfile, built for real with buildah and run: scripts/container-check.ts
// builds it (on stand-in base images made from Debian packages when no
// registry answers; see that script) and checks the image serves the demo
// route and ping as the non-root user, without a shell. Skipped when buildah
// or mmdebstrap is missing (.ci/run installs both) and on the second, Bun.serve
// front pass of the suite (the image does not depend on the front); a
// machine that cannot create containers at all is logged, not failed.
import { expect, test } from "bun:test";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const haveTools = ["buildah", "mmdebstrap"].every((t) => Bun.spawnSync(["sh", "-c", `command -v ${t}`]).exitCode === 0);

test.skipIf(!haveTools || process.env.SLUICE_FRONT === "serve")("the Containerfile builds, and its image serves the demo route and ping as uid 65532", async () => {
  const proc = Bun.spawn([process.execPath, join(ROOT, "scripts", "container-check.ts")], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => proc.kill(), 280_000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(killer);
  const code = await proc.exited;
  if (code === 3) {
    console.log(`not run: ${err.trim()}`);
    return;
  }
  console.log(out.trim());
  if (code !== 0) console.error(err.trim());
  expect(code).toBe(0);
  expect(out).toContain("container-check: ok");
}, 300_000);
