// Importing this module registers every implemented middleware kind.
// Each kind lives in its own folder and registers itself on import.
import "./add-prefix/index.ts";
import "./basic-auth/index.ts";
import "./buffering/index.ts";
import "./chain/index.ts";
import "./circuit-breaker/index.ts";
import "./compress/index.ts";
import "./content-type/index.ts";
import "./digest-auth/index.ts";
import "./errors/index.ts";
import "./forward-auth/index.ts";
import "./headers/index.ts";
import "./in-flight-req/index.ts";
import "./ip-allow-list/index.ts";
import "./pass-tls-client-cert/index.ts";
import "./rate-limit/index.ts";
import "./redirect-regex/index.ts";
import "./redirect-scheme/index.ts";
import "./replace-path-regex/index.ts";
import "./replace-path/index.ts";
import "./retry/index.ts";
import "./strip-prefix-regex/index.ts";
import "./strip-prefix/index.ts";

export { middlewareFactory, registeredKinds } from "./registry.ts";
