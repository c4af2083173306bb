import { expect, test } from "bun:test";
import { requiredTools } from "./tools.ts";

test.each<[{ tls: boolean; h2: boolean }, string[]]>([
  [{ tls: false, h2: false }, ["nginx", "wrk", "curl"]],
  [{ tls: true, h2: false }, ["nginx", "wrk", "curl", "openssl"]],
  [{ tls: true, h2: true }, ["nginx", "wrk", "curl", "openssl", "h2load"]],
])("cases needing %p require %p", (needs, want) => {
  expect(requiredTools(needs) as string[]).toEqual(want);
});
