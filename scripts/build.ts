// Builds the single `sluice` binary (bun build --compile). The result runs
// with no node_modules beside it.
import { mkdirSync } from "node:fs";

const out = process.argv[2] ?? "dist/sluice";
mkdirSync(out.split("/").slice(0, -1).join("/") || ".", { recursive: true });
const result = Bun.spawnSync(
  [process.execPath, "build", "--compile", "--minify", "--sourcemap", "src/main.ts", "--outfile", out],
  { stdout: "inherit", stderr: "inherit" },
);
if (result.exitCode !== 0) process.exit(result.exitCode ?? 1);
console.log(`built ${out}`);
