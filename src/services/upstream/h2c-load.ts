// The h2c:// clients pull in node:http2 (and node:http for reason phrases).
// Most configs have no h2c server, and a smaller heap makes every GC
// cheaper, so they load with the first use, here for every caller.
type ForwardModule = typeof import("./h2c-forward.ts");
type FetchModule = typeof import("./h2c-fetch.ts");

let forwardModule: ForwardModule | undefined;
let fetchModule: FetchModule | undefined;

/** The raw path's h2c client (h2c-forward.ts, with H2cSessions). */
export function h2cForwardModule(): ForwardModule {
  return (forwardModule ??= require("./h2c-forward.ts") as ForwardModule);
}

/** The Request/Response path's h2c client and the health checks' fetch (h2c-fetch.ts). */
export function h2cFetchModule(): FetchModule {
  return (fetchModule ??= require("./h2c-fetch.ts") as FetchModule);
}
