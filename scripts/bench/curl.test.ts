import { expect, test } from "bun:test";
import { parseCurlWrite } from "./curl.ts";

test.each([
  ["200 1073741824 0 959000000.5 0 1.12", false, { status: 200, bytes: 1073741824, bytesPerSec: 959000000.5, seconds: 1.12 }],
  ["200 6 1073741824 6 945000000 1.2", true, { status: 200, bytes: 1073741824, bytesPerSec: 945000000, seconds: 1.2 }],
  ["000 0 0 0 0 0.001", false, { status: 0, bytes: 0, bytesPerSec: 0, seconds: 0.001 }],
])("parseCurlWrite(%p, upload=%p)", (line, upload, want) => {
  expect(parseCurlWrite(line, upload)).toEqual(want);
});

test("garbage is refused", () => {
  expect(() => parseCurlWrite("curl: (7) Failed to connect", false)).toThrow();
});
