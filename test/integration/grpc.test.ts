// gRPC through Sluice with the reference JavaScript implementation on both
// ends (@grpc/grpc-js): the client speaks HTTP/2 with prior knowledge to
// Sluice's plain entrypoint, Sluice to the server over an h2c:// URL, as a
// Traefik user routes gRPC. No protobuf: the methods carry raw bytes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { startSluice, type RunningSluice } from "../harness/sluice.ts";

const bytes = (b: Buffer) => b;
const method = (path: string, responseStream = false) => ({
  path,
  requestStream: false,
  responseStream,
  requestSerialize: bytes,
  requestDeserialize: bytes,
  responseSerialize: bytes,
  responseDeserialize: bytes,
});
const service = {
  echo: method("/test.Echo/Echo"),
  fail: method("/test.Echo/Fail"),
  count: method("/test.Echo/Count", true),
} as grpc.ServiceDefinition;

type Reply = { err: grpc.ServiceError | null; value?: Buffer };

let server: grpc.Server;
let sluice: RunningSluice;
let client: grpc.Client & Record<string, (...args: unknown[]) => unknown>;

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(service, {
    echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const seenBy = String(call.metadata.get("x-forwarded-for")[0] ?? "none");
      cb(null, Buffer.concat([Buffer.from(`echo(${seenBy}):`), call.request]));
    },
    fail: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb({ code: grpc.status.NOT_FOUND, details: "no such thing" }),
    count: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      const n = Number(call.request.toString());
      for (let i = 0; i < n; i++) call.write(Buffer.from(`item ${i}`));
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  sluice = await startSluice({
    files: {
      "grpc.yml": `
http:
  routers:
    grpc:
      rule: PathPrefix(\`/test.Echo/\`)
      service: grpc
  services:
    grpc:
      loadBalancer:
        servers: [{url: "h2c://127.0.0.1:${port}"}]
`,
    },
  });
  const Client = grpc.makeGenericClientConstructor(service, "Echo");
  client = new Client(`127.0.0.1:${sluice.ports.web}`, grpc.credentials.createInsecure()) as typeof client;
});

afterAll(async () => {
  client?.close();
  server?.forceShutdown();
  await sluice?.stop();
});

function unary(name: "echo" | "fail", payload: string): Promise<Reply> {
  return new Promise((resolve) => client[name](Buffer.from(payload), { deadline: Date.now() + 10_000 }, (err: grpc.ServiceError | null, value?: Buffer) => resolve({ err, value })));
}

// Bun.serve (SLUICE_FRONT=serve) speaks no h2c, so a gRPC client cannot reach it in cleartext.
describe.skipIf(process.env.SLUICE_FRONT === "serve")("gRPC over h2c through Sluice", () => {
  test("a unary call answers, with X-Forwarded-For added on the way", async () => {
    const r = await unary("echo", "hello");
    expect(r.err).toBeNull();
    expect(r.value?.toString()).toBe("echo(127.0.0.1):hello");
  });

  test("a failing call's status and message (sent in trailers) reach the client", async () => {
    const r = await unary("fail", "x");
    expect(r.err?.code).toBe(grpc.status.NOT_FOUND);
    expect(r.err?.details).toBe("no such thing");
  });

  test("a server-streaming call delivers every message and an OK status", async () => {
    const got: string[] = [];
    const status = await new Promise<grpc.StatusObject>((resolve, reject) => {
      const call = client.count(Buffer.from("50"), { deadline: Date.now() + 10_000 }) as grpc.ClientReadableStream<Buffer>;
      call.on("data", (d: Buffer) => got.push(d.toString()));
      call.on("status", resolve);
      call.on("error", reject);
    });
    expect(status.code).toBe(grpc.status.OK);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `item ${i}`));
  });

  test("20 concurrent calls on the client's one connection all answer", async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => unary("echo", `n${i}`)));
    replies.forEach((r, i) => expect([r.err, r.value?.toString()]).toEqual([null, `echo(127.0.0.1):n${i}`]));
  });
});
