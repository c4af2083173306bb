import { expect, test } from "bun:test";
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, MAX_ORDERS_PER_HOUR, OrderBudget, backoffMs, nextAttemptAfterFailure } from "./order-policy.ts";

const mid = () => 0.5; // no jitter

test("backoff doubles per failure and is capped", () => {
  expect([1, 2, 3, 4].map((n) => backoffMs(n, mid))).toEqual([1, 2, 4, 8].map((k) => k * BACKOFF_BASE_MS));
  expect(backoffMs(40, mid)).toBe(BACKOFF_MAX_MS);
  expect(backoffMs(0, mid)).toBe(0);
  expect(backoffMs(1, () => 0)).toBe(0.9 * BACKOFF_BASE_MS);
  expect(backoffMs(1, () => 1)).toBe(1.1 * BACKOFF_BASE_MS);
});

test("at most a handful of orders per hour per domain set", () => {
  const b = new OrderBudget();
  const t0 = 1_000_000;
  for (let i = 0; i < MAX_ORDERS_PER_HOUR; i++) {
    expect(b.nextAllowed(t0 + i)).toBe(t0 + i);
    b.record(t0 + i);
  }
  expect(b.nextAllowed(t0 + 10)).toBe(t0 + 3600_000);
  expect(b.nextAllowed(t0 + 3600_001)).toBe(t0 + 3600_001);
});

test("the CA's Retry-After wins over a shorter backoff", () => {
  const now = 5_000_000;
  expect(nextAttemptAfterFailure(now, 1, 7200_000, new OrderBudget())).toBe(now + 7200_000);
  const t = nextAttemptAfterFailure(now, 1, 1000, new OrderBudget());
  expect(t).toBeGreaterThanOrEqual(now + 0.9 * BACKOFF_BASE_MS);
});
