// Cost per request of the observability hooks. Run: npx bun src/observability/metrics.bench.ts
// Prints ns/op for Metrics.observeRequest (several label shapes) and for
// formatting one access-log line (common and JSON; the writer is a no-op sink).
import { AccessLog } from "./access-log.ts";
import { Metrics } from "./metrics.ts";
import { finishedContext } from "./test-context.ts";

function bench(name: string, iterations: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) fn(i); // warm up the JIT and caches
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < iterations; i++) fn(i);
  const ns = (Bun.nanoseconds() - t0) / iterations;
  console.log(`${name.padEnd(52)} ${ns.toFixed(0).padStart(6)} ns/op`);
}

const N = Number(process.env.BENCH_N ?? 500_000);
const prom = {
  buckets: [0.1, 0.3, 1.2, 5],
  addEntryPointsLabels: true,
  addRoutersLabels: false,
  addServicesLabels: true,
  entryPoint: "traefik",
  manualRouting: false,
  prefix: "sluice",
};

const ctx = finishedContext();
const codes = [200, 200, 200, 304, 404, 500];
const ctxs = codes.map((c) => finishedContext({ downstreamStatus: c, originStatus: c }));

const epSvc = new Metrics(prom);
bench("observeRequest entrypoint+service", N, () => epSvc.observeRequest(ctx));
bench("observeRequest entrypoint+service, 6 status codes", N, (i) => epSvc.observeRequest(ctxs[i % 6]!));

const all = new Metrics({ ...prom, addRoutersLabels: true });
bench("observeRequest entrypoint+router+service", N, () => all.observeRequest(ctx));
bench("observeRequest all levels + TLS", N, () => all.observeRequest(ctx, { version: "1.3", cipher: "TLS_AES_128_GCM_SHA256" }));

const epOnly = new Metrics({ ...prom, addServicesLabels: false });
bench("observeRequest entrypoint only", N, () => epOnly.observeRequest(ctx));
bench("requestOpened + requestClosed", N, () => epSvc.requestClosed(epSvc.requestOpened(ctx)));

const noop = () => {};
const clf = new AccessLog({ format: "common", bufferingSize: 1000 }, noop);
bench("AccessLog.log common (headers dropped)", N / 5, () => clf.log(ctx));
const json = new AccessLog({ format: "json", bufferingSize: 1000 }, noop);
bench("AccessLog.log json (headers dropped)", N / 5, () => json.log(ctx));
const jsonHeaders = new AccessLog(
  { format: "json", bufferingSize: 1000, fields: { defaultMode: "keep", names: {}, headers: { defaultMode: "keep", names: {} } } },
  noop,
);
bench("AccessLog.log json (all headers kept)", N / 5, () => jsonHeaders.log(ctx));
await Promise.all([clf.close(), json.close(), jsonHeaders.close()]);

const t0 = Bun.nanoseconds();
const body = (await all.render()).body;
console.log(`render (${body.length} bytes)`.padEnd(52), ((Bun.nanoseconds() - t0) / 1e3).toFixed(0).padStart(6), "µs");
