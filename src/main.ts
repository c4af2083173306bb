#!/usr/bin/env bun
// Entry point: wiring only. Each command lives in src/cli/ and is loaded when
// it runs: `check` pulls in the certificate library (for the generated
// default certificate), which the proxy itself loads only for a TLS
// entrypoint without a certificate; a smaller heap makes every GC cheaper.
import { splitCommand, USAGE } from "./cli/args.ts";
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
    (await import("./cli/whoami.ts")).runWhoami(args);
    break;
  case "check":
    process.exit(await (await import("./cli/check.ts")).runCheck(args, process.env));
  case "run":
    await (await import("./cli/run.ts")).runProxy(args, process.env);
    break;
}
