// Importing this module registers every implemented middleware kind.
export { middlewareFactory, registeredKinds } from "./registry.ts";
