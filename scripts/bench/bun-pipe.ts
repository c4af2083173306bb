// The runtime floor for the transfer cases: the least a Bun program can do to
// relay bytes between a client and the backend. Each accepted connection gets
// its own backend connection and bytes are copied both ways as they arrive
// (no HTTP parsing, no routing, no headers added), with partial writes queued
// and the other side paused until `drain`, and each fully written read freed at
// once as Sluice does (src/server/raw/free-bytes.ts). Whatever separates this
// from nginx on a transfer is the runtime's socket path (one copy per read),
// not Sluice's; whatever separates Sluice from this is ours.
//
//   bun scripts/bench/bun-pipe.ts --port=P --upstream=127.0.0.1:B
import type { Socket } from "bun";
import { freeBytes } from "../../src/server/raw/free-bytes.ts";

/** One direction of a relay: bytes the destination has not taken yet. */
interface Lane {
  queue: Uint8Array[];
}

interface Relay {
  client: Socket<Relay>;
  upstream?: Socket<Relay>;
  /** Client bytes that arrived before the backend connection opened. */
  early: Uint8Array[];
  toUpstream: Lane;
  toClient: Lane;
  closed: boolean;
}

/** Writes `bytes` to `to`, or queues the rest and pauses `from` until `to` drains. */
function relay(to: Socket<Relay>, lane: Lane, from: Socket<Relay>, bytes: Uint8Array): void {
  if (lane.queue.length > 0) {
    lane.queue.push(bytes);
    return;
  }
  const written = to.write(bytes);
  if (written === bytes.length) {
    freeBytes(bytes);
    return;
  }
  lane.queue.push(written > 0 ? bytes.subarray(written) : bytes);
  from.pause();
}

/** Flushes `lane` into `to` after a drain; resumes `from` once it is empty. */
function flush(r: Relay, to: Socket<Relay>, lane: Lane, from: Socket<Relay> | undefined): void {
  while (lane.queue.length > 0) {
    const bytes = lane.queue[0];
    const written = to.write(bytes);
    if (written < bytes.length) {
      if (written > 0) lane.queue[0] = bytes.subarray(written);
      return;
    }
    lane.queue.shift();
  }
  if (r.closed) to.end();
  else from?.resume();
}

/** One side went away: end the other once what it still owes that side is written. */
function closeBoth(r: Relay): void {
  if (r.closed) return;
  r.closed = true;
  if (r.toClient.queue.length === 0) r.client.end();
  if (r.toUpstream.queue.length === 0) r.upstream?.end();
}

export function startBunPipe(port: number, upstreamHost: string, upstreamPort: number) {
  return Bun.listen<Relay>({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(client) {
        const r: Relay = { client, early: [], toUpstream: { queue: [] }, toClient: { queue: [] }, closed: false };
        client.data = r;
        Bun.connect<Relay>({
          hostname: upstreamHost,
          port: upstreamPort,
          data: r,
          socket: {
            open(upstream) {
              if (r.closed) return void upstream.end();
              r.upstream = upstream;
              for (const bytes of r.early) relay(upstream, r.toUpstream, client, bytes);
              r.early = [];
            },
            data: (_upstream, bytes) => relay(client, r.toClient, r.upstream!, bytes),
            drain: (upstream) => flush(r, upstream, r.toUpstream, client),
            close: () => closeBoth(r),
            error: () => closeBoth(r),
          },
        }).catch(() => closeBoth(r));
      },
      data(client, bytes) {
        const r = client.data;
        if (r.upstream) relay(r.upstream, r.toUpstream, client, bytes);
        else r.early.push(bytes);
      },
      drain: (client) => flush(client.data, client, client.data.toClient, client.data.upstream),
      close: (client) => closeBoth(client.data),
      error: (client) => closeBoth(client.data),
    },
  });
}

if (import.meta.main) {
  const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const port = Number(flag("port"));
  const [host, upPort] = (flag("upstream") ?? "").split(":");
  if (!Number.isInteger(port) || !host || !Number.isInteger(Number(upPort))) {
    console.error("usage: bun scripts/bench/bun-pipe.ts --port=P --upstream=HOST:PORT");
    process.exit(2);
  }
  startBunPipe(port, host, Number(upPort));
}
