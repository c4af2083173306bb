// Bytes both ways between an upgraded client socket and its upstream socket
// (after a 101), with backpressure each way, until either side closes.
import type { RawTunnelSocket } from "../../server/raw/connection.ts";
import type { ConnectionListener, UpstreamConnection } from "./connection.ts";

const noop = () => {};

export class Tunnel implements ConnectionListener {
  /** Bytes sent to the client (upstream → client). */
  down = 0;
  private done = false;
  private upPaused = false;
  /** Settles when the last short upstream write drained. */
  private pendingUp: Promise<void> | null = null;

  constructor(
    private readonly up: UpstreamConnection,
    private readonly client: RawTunnelSocket,
    private readonly onDone: (down: number) => void,
  ) {}

  /** `first`: what the client gets first (the 101 head + any bytes that followed it). */
  start(first: Uint8Array): void {
    this.up.listener = this;
    this.onData(first);
    this.client.listen({
      data: (chunk) => this.fromClient(chunk),
      drain: () => {
        if (!this.upPaused) return;
        this.upPaused = false;
        this.up.resume();
      },
      close: () => this.clientClosed(),
    });
    if (this.up.closed) this.onClose();
  }

  /** Upstream → client. */
  onData(chunk: Uint8Array): void {
    if (this.done) return;
    this.down += chunk.length;
    if (!this.client.write(chunk) && !this.upPaused) {
      this.upPaused = true;
      this.up.pause();
    }
  }

  private fromClient(chunk: Uint8Array): void {
    if (this.done) return;
    let waiting: Promise<void> | null;
    try {
      waiting = this.up.write(chunk);
    } catch {
      return this.onClose();
    }
    if (waiting === null) return;
    this.client.pause();
    this.pendingUp = waiting;
    waiting.then(() => {
      if (this.pendingUp === waiting) this.pendingUp = null;
      if (!this.done) this.client.resume();
    }, noop);
  }

  /** The upstream closed: let the client have what is queued, then close it. */
  onClose(): void {
    if (this.done) return;
    this.done = true;
    this.client.end();
    this.onDone(this.down);
  }

  private clientClosed(): void {
    if (this.done) return;
    this.done = true;
    const up = this.up;
    up.listener = null;
    // Bytes still queued for the upstream go out before the close.
    if (this.pendingUp) this.pendingUp.then(() => up.close(), noop);
    else up.close();
    this.onDone(this.down);
  }
}
