// Runs the whole test suite: the type check, every bun test file (default:
// the raw HTTP/1.1 front), then the integration tests again on the Bun.serve
// front (SLUICE_FRONT=serve), so both fronts pass one conformance suite. Ends with the one line CI reads:
// "N passed, N failed". Extra arguments go to `bun test` (e.g. a path filter)
// and skip the type check and the second run.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const extra = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

if (extra.length === 0) {
  const tsc = Bun.spawnSync(["npx", "tsc", "--noEmit", "-p", "."], { stdout: "inherit", stderr: "inherit" });
  if (tsc.exitCode === 0) passed++;
  else {
    failed++;
    console.error("typecheck (tsc --noEmit) failed");
  }
}

function runSuite(label: string, args: string[], env: Record<string, string>): void {
  const dir = mkdtempSync(join(tmpdir(), "sluice-test-"));
  const report = join(dir, "junit.xml");
  console.log(`\n=== ${label}`);
  const run = Bun.spawnSync(
    [process.execPath, "test", "--timeout=60000", "--reporter=junit", `--reporter-outfile=${report}`, ...args],
    { stdout: "inherit", stderr: "inherit", env: { ...process.env, FORCE_COLOR: "0", ...env } },
  );
  let xml = "";
  try {
    xml = readFileSync(report, "utf8");
  } catch {
    console.error(`${label}: bun test wrote no report (exit code ${run.exitCode})`);
  }
  rmSync(dir, { recursive: true, force: true });
  // A <testcase> with a <failure> or <error> child failed.
  const cases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? [];
  for (const c of cases) {
    if (/<(failure|error)\b/.test(c)) failed++;
    else if (/<skipped\b/.test(c)) skipped++;
    else passed++;
  }
  if (run.exitCode !== 0 && !cases.some((c) => /<(failure|error)\b/.test(c))) {
    // bun test failed outside any test case (a file that does not load, say).
    failed++;
    console.error(`${label}: bun test exited with ${run.exitCode} outside any test case`);
  }
}

runSuite("all tests (raw HTTP/1.1 front)", extra, { SLUICE_FRONT: "raw" });
if (extra.length === 0) runSuite("integration tests on the Bun.serve front", ["test/integration"], { SLUICE_FRONT: "serve" });

if (skipped) console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
