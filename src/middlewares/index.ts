// Importing this module registers every implemented middleware kind.
// Each kind lives in its own folder and registers itself on import.
import "./add-prefix/index.ts";
import "./chain/index.ts";

export { middlewareFactory, registeredKinds } from "./registry.ts";
