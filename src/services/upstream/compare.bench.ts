// Rough throughput comparison of the two UpstreamClient implementations
// against a tiny Bun.serve backend in a child process (no assertions; numbers are
// only comparable within one run). Run: npx bun src/services/upstream/compare.bench.ts [seconds]
import { FetchUpstreamClient } from "./fetch-client.ts";
import { PooledUpstreamClient } from "./pool-client.ts";
import type { UpstreamClient, UpstreamRequest } from "./types.ts";

const SECONDS = Number(process.argv[2] === "--backend" ? 0 : (process.argv[2] ?? 3));
const CONCURRENCY = 64;

// The backend runs in a child process so it does not share the JS thread
// with the client under test (fetch would otherwise win by using its own thread).
if (process.argv[2] === "--backend") {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, development: false, fetch: () => new Response("hello from the backend") });
  console.log(server.port);
  await new Promise(() => {});
}
const child = Bun.spawn([process.execPath, import.meta.path, "--backend"], { stdout: "pipe", stderr: "inherit" });
const firstLine = (await new Response(child.stdout).body!.getReader().read()).value;
const target = new URL(`http://127.0.0.1:${new TextDecoder().decode(firstLine).trim()}`);

function request(): UpstreamRequest {
  return {
    target,
    method: "GET",
    pathAndQuery: "/bench?x=1",
    headers: new Headers({ host: target.host, "user-agent": "bench", accept: "*/*" }),
    body: null,
    timeouts: { dialTimeoutMs: 5000, responseHeaderTimeoutMs: 5000, idleConnTimeoutMs: 90_000 },
  };
}

/** Runs `workers` loops of request+read for `seconds`; returns req/s. */
async function measure(client: UpstreamClient, workers: number, seconds = SECONDS): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const loop = async () => {
    while (performance.now() < deadline) {
      const res = await client.request(request());
      await res.arrayBuffer();
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: workers }, loop));
  return done / ((performance.now() - t0) / 1000);
}

const clients: [string, () => UpstreamClient][] = [
  ["fetch", () => new FetchUpstreamClient()],
  ["pool", () => new PooledUpstreamClient({ maxIdleConnsPerHost: 200 })],
];

try {
  for (const [name, make] of clients) {
    const client = make();
    try {
      await measure(client, 8, 0.5); // warm up connections and JIT
      const seq = await measure(client, 1);
      const conc = await measure(client, CONCURRENCY);
      console.log(`${name.padEnd(6)} sequential ${seq.toFixed(0).padStart(7)} req/s   ${CONCURRENCY} in flight ${conc.toFixed(0).padStart(7)} req/s`);
    } finally {
      client.close();
    }
  }
} finally {
  child.kill();
  await child.exited;
}
