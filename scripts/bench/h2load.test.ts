import { describe, expect, test } from "bun:test";
import { parseH2loadLog, parseH2loadOutput } from "./h2load.ts";

// Real h2load 1.52 output (-c16 -m10 -t2 -D2), progress lines trimmed.
const CLEAN = `starting benchmark...
spawning thread #0: 8 total client(s). Timing-based test with 0s of warm-up time and 2s of main duration for measurements.
Main benchmark duration is started for thread #0.
TLS Protocol: TLSv1.3
Cipher: TLS_AES_128_GCM_SHA256
Server Temp Key: X25519 253 bits
Application protocol: h2
Main benchmark duration is over for thread #0. Stopping all clients.
Stopped all clients for thread #0

finished in 2.00s, 41755.50 req/s, 1.16MB/s
requests: 83511 total, 83671 started, 83511 done, 83511 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 83511 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 2.31MB (2424891) total, 409.91KB (419747) headers (space savings 94.87%), 489.32KB (501066) data
                     min         max         mean         sd        +/- sd
time for request:      951us     13.40ms      3.78ms      1.43ms    76.29%
time for connect:     1.51ms      6.77ms      4.15ms      1.74ms    62.50%
time to 1st byte:     8.28ms     20.20ms     10.77ms      3.37ms    81.25%
req/s           :    2504.99     2707.13     2608.87       75.35    56.25%
`;

// A short run (ms) where the backend failed: 5xx count as failed; plain HTTP, no TLS lines.
const FAILING = `
finished in 954.51ms, 2095.31 req/s, 247.59KB/s
requests: 2000 total, 2000 started, 2000 done, 1500 succeeded, 500 failed, 0 errored, 0 timeout
status codes: 1500 2xx, 0 3xx, 0 4xx, 500 5xx
`;

describe("h2load parsing", () => {
  test("a clean HTTP/2 run", () => {
    expect(parseH2loadOutput(CLEAN)).toEqual({
      requestsPerSec: 41755.5,
      done: 83511,
      succeeded: 83511,
      failed: 0,
      protocol: "h2",
      tlsProtocol: "TLSv1.3",
      cipher: "TLS_AES_128_GCM_SHA256",
      serverTempKey: "X25519 253 bits",
    });
  });

  test("failures and a run finished in milliseconds", () => {
    const r = parseH2loadOutput(FAILING);
    expect([r.requestsPerSec, r.done, r.succeeded, r.failed]).toEqual([2095.31, 2000, 1500, 500]);
    expect(r.protocol).toBeUndefined();
    expect(r.tlsProtocol).toBeUndefined();
  });

  test.each([
    ["no summary", "starting benchmark...\nrequests: 1 total, 1 started, 1 done, 1 succeeded, 0 failed, 0 errored, 0 timeout\n", /finished in/],
    ["no counts", "finished in 1.00s, 10.00 req/s, 1KB/s\n", /requests:/],
  ])("%s is refused", (_name, output, message) => {
    expect(() => parseH2loadOutput(output)).toThrow(message);
  });

  test("per-request log: durations in ms, odd lines skipped", () => {
    const log = "1795607553684580\t200\t4050\n1795607553684581\t502\t1500\n\nnot a row\n1795607553684590\t200\tx\n";
    expect(parseH2loadLog(log)).toEqual([4.05, 1.5]);
    expect(parseH2loadLog("")).toEqual([]);
  });
});
