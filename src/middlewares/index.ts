// Importing this module registers every implemented middleware kind.
// Each kind lives in its own folder and registers itself on import.
import "./add-prefix/index.ts";
import "./chain/index.ts";
import "./redirect-regex/index.ts";
import "./redirect-scheme/index.ts";
import "./replace-path-regex/index.ts";
import "./replace-path/index.ts";
import "./strip-prefix-regex/index.ts";
import "./strip-prefix/index.ts";

export { middlewareFactory, registeredKinds } from "./registry.ts";
