import { expect, test } from "bun:test";
import { needsRenewal, renewDurations } from "./renew-window.ts";

const H = 3600_000;
const D = 24 * H;

// Traefik's getCertificateRenewDurations (v2.11/v3).
const table: Array<[number, number, number]> = [
  [365 * 24, 120 * D, 7 * D],
  [2160, 30 * D, D],
  [90 * 24 - 1, 10 * D, 12 * H],
  [30 * 24, 10 * D, 12 * H],
  [7 * 24, 2 * D, 2 * H],
  [6 * 24, 2 * D, 2 * H],
  [24, 6 * H, 10 * 60_000],
  [23, 20 * 60_000, 60_000],
  [1, 20 * 60_000, 60_000],
];
for (const [hours, windowMs, intervalMs] of table) {
  test(`certificatesDuration ${hours}h`, () => expect(renewDurations(hours)).toEqual({ windowMs, intervalMs }));
}

test("renewal is due only inside the window", () => {
  const now = Date.UTC(2030, 0, 1);
  expect(needsRenewal(new Date(now + 31 * D), now, 30 * D)).toBe(false);
  expect(needsRenewal(new Date(now + 29 * D), now, 30 * D)).toBe(true);
  expect(needsRenewal(new Date(now - D), now, 30 * D)).toBe(true);
});
