#!/usr/bin/env bun
// Entry point: wiring only. Each command lives in src/cli/.
import { splitCommand, USAGE } from "./cli/args.ts";
import { runCheck } from "./cli/check.ts";
import { runProxy } from "./cli/run.ts";
import { runWhoami } from "./cli/whoami.ts";
import { VERSION } from "./version.ts";

const { command, args } = splitCommand(process.argv.slice(2));
switch (command) {
  case "version":
    console.log(`sluice ${VERSION} (bun ${Bun.version})`);
    break;
  case "help":
    console.log(USAGE);
    break;
  case "whoami":
    runWhoami(args);
    break;
  case "check":
    process.exit(await runCheck(args, process.env));
  case "run":
    await runProxy(args, process.env);
    break;
}
