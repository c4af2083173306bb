import { describe, expect, test } from "bun:test";
import { parseWrkOutput, parseWrkSize, parseWrkTime } from "./wrk.ts";

// Real wrk 4.1 output (--latency), one clean run and one with errors.
const CLEAN = `Running 1s test @ http://127.0.0.1:18555/health?x
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   329.58us    1.16ms  19.05ms   95.87%
    Req/Sec    57.88k     7.97k   73.43k    65.00%
  Latency Distribution
     50%  124.00us
     75%  171.00us
     90%  305.00us
     99%    4.73ms
  115119 requests in 1.00s, 8.23MB read
Requests/sec: 115071.94
Transfer/sec:      8.23MB
`;

const WITH_ERRORS = `Running 3s test @ http://127.0.0.1:1/tiny
  2 threads and 64 connections
  Latency Distribution
     50%    1.50ms
     75%    2.00ms
     90%    3.00ms
     99%    1.20s
  30019 requests in 3.10s, 2.63GB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 30019
Requests/sec:  27310.46
Transfer/sec:      2.40GB
`;

describe("wrk parsing", () => {
  test.each([
    ["124.00us", 0.124],
    ["4.73ms", 4.73],
    ["1.20s", 1200],
    ["2.00m", 120_000],
  ])("time %p = %p ms", (text, want) => {
    expect(parseWrkTime(text)).toBeCloseTo(want, 9);
  });

  test.each([
    ["512.00B", 512],
    ["8.23MB", 8.23 * 1024 ** 2],
    ["2.40GB", 2.4 * 1024 ** 3],
  ])("size %p = %p bytes", (text, want) => {
    expect(parseWrkSize(text)).toBeCloseTo(want, 3);
  });

  test("rejects unknown units", () => {
    expect(() => parseWrkTime("3 days")).toThrow();
    expect(() => parseWrkSize("1PB")).toThrow();
  });

  test("a clean run", () => {
    const r = parseWrkOutput(CLEAN);
    expect(r.requestsPerSec).toBe(115071.94);
    expect(r.requests).toBe(115119);
    expect(r.p50Ms).toBeCloseTo(0.124, 9);
    expect(r.p90Ms).toBeCloseTo(0.305, 9);
    expect(r.p99Ms).toBeCloseTo(4.73, 9);
    expect(r.bytesPerSec).toBeCloseTo(8.23 * 1024 ** 2, 3);
    expect(r.socketErrors).toBe(0);
    expect(r.non2xx3xx).toBe(0);
  });

  test("errors and non-2xx responses are counted", () => {
    const r = parseWrkOutput(WITH_ERRORS);
    expect(r.socketErrors).toBe(10);
    expect(r.non2xx3xx).toBe(30019);
    expect(r.p99Ms).toBe(1200);
  });

  test("output without the latency table is refused", () => {
    expect(() => parseWrkOutput("  30 requests in 3.00s, 3.00KB read\nRequests/sec: 10\nTransfer/sec: 1.00KB\n")).toThrow(/latency/);
  });
});
