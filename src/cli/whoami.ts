import { startWhoami } from "../demo/whoami.ts";
import { flagValue } from "./args.ts";

/** `sluice whoami --port N [--name X] [--hostname H]`: the demo backend on its own. */
export function runWhoami(args: string[]): void {
  const port = Number(flagValue(args, "port") ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`whoami: --port must be a port number, got ${flagValue(args, "port")}`);
    process.exit(2);
  }
  const w = startWhoami({ port, hostname: flagValue(args, "hostname"), name: flagValue(args, "name") });
  console.log(`whoami listening on ${w.url}`);
  const stop = () => {
    w.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
