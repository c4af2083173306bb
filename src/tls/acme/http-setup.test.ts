import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRetryAfter, readCaCertificates } from "./http-setup.ts";

const dir = mkdtempSync(join(tmpdir(), "sluice-acme-ca-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const now = Date.UTC(2030, 0, 1, 12, 0, 0);
const cases: Array<[string | undefined, number | undefined]> = [
  ["120", 120_000],
  [" 5 ", 5_000],
  ["Tue, 01 Jan 2030 13:00:00 GMT", 3600_000],
  ["Tue, 01 Jan 2030 11:00:00 GMT", 0],
  ["soon", undefined],
  ["", undefined],
  [undefined, undefined],
];
for (const [value, want] of cases) {
  test(`Retry-After ${JSON.stringify(value)} → ${want}`, () => expect(parseRetryAfter(value, now)).toBe(want));
}

test("LEGO_CA_CERTIFICATES: comma or path separator, unreadable paths named", () => {
  writeFileSync(join(dir, "a.pem"), "A");
  writeFileSync(join(dir, "b.pem"), "B");
  writeFileSync(join(dir, "c.pem"), "C");
  const got = readCaCertificates(`${join(dir, "a.pem")},${join(dir, "b.pem")}:${join(dir, "c.pem")}, ${join(dir, "missing.pem")}`);
  expect(got.pems).toEqual(["A", "B", "C"]);
  expect(got.problems).toHaveLength(1);
  expect(got.problems[0]).toContain("missing.pem");
  expect(readCaCertificates(undefined)).toEqual({ pems: [], problems: [] });
});
