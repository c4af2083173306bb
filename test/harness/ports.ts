import { createServer } from "node:net";

/**
 * The kernel's default ephemeral range is 32768-60999: a port from it that was
 * free a moment ago can be taken by any outgoing connection before the server
 * under test binds it (seen as EADDRINUSE). Ports below the range are only
 * ever taken by listeners.
 */
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

/** A port free on 127.0.0.1, below the ephemeral range, and never the same twice in one run. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found in ${LOW}-${HIGH - 1}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** Polls `probe` every `stepMs` until it returns true, at most `timeoutMs`. */
export async function waitFor(probe: () => Promise<boolean> | boolean, timeoutMs = 5000, stepMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return true;
    } catch {
      // not yet
    }
    await Bun.sleep(stepMs);
  }
  return false;
}
