// Splits argv into a subcommand and the rest. Anything that is not a known
// subcommand is a flag of `run`, so `sluice --entrypoints.web.address=:80` works.

export type Command = "run" | "check" | "version" | "whoami" | "help";

const COMMANDS = new Set<Command>(["run", "check", "version", "whoami", "help"]);

export function splitCommand(argv: string[]): { command: Command; args: string[] } {
  const first = argv[0];
  if (first === "--version" || first === "-v") return { command: "version", args: argv.slice(1) };
  if (first === "--help" || first === "-h") return { command: "help", args: argv.slice(1) };
  if (first && !first.startsWith("-") && COMMANDS.has(first as Command)) {
    return { command: first as Command, args: argv.slice(1) };
  }
  return { command: "run", args: argv };
}

/** `--port 8080`, `--port=8080`. */
export function flagValue(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === `--${name}`) return args[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

export const USAGE = `Usage: sluice [command] [flags]

Commands:
  run (default)   run the proxy
  check           validate the static and dynamic configuration, print every diagnostic
  version         print the version
  whoami          run the demo backend alone: sluice whoami --port 8080

Static configuration, as Traefik's: --configFile=sluice.yml, or flags such as
  --entrypoints.web.address=:80 --providers.file.directory=dynamic/
or SLUICE_* environment variables (SLUICE_ENTRYPOINTS_WEB_ADDRESS=:80).
`;
