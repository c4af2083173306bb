import type { Socket } from "node:net";
import type { DetailedPeerCertificate, TLSSocket } from "node:tls";
import type { RawSocket, RawSocketEvents, TlsConnection } from "./raw-socket.ts";

/** The TLS facts of a node:tls socket, read once (the handshake is over when a connection reaches us). */
export function tlsConnectionOf(socket: TLSSocket): TlsConnection {
  const protocol = socket.getProtocol() ?? "";
  const cipher = socket.getCipher() as { name: string; standardName?: string } | undefined;
  let peer: DetailedPeerCertificate | null | undefined;
  return {
    version: protocol.startsWith("TLSv") ? protocol.slice(4) : protocol,
    cipher: cipher?.standardName ?? cipher?.name ?? "",
    servername: typeof socket.servername === "string" ? socket.servername : "",
    peerCertificate() {
      if (peer === undefined) {
        const c = socket.getPeerCertificate(true);
        peer = c && c.raw ? c : null;
      }
      return peer;
    },
  };
}

/**
 * A node:net/node:tls socket with the raw front's socket operations. Node
 * buffers every write; to keep backpressure (and memory) bounded, once a
 * write reports a full buffer, further writes take nothing until `drain`,
 * so the caller (SocketOut) queues them as it does for Bun's short writes.
 */
export class NodeRawSocket implements RawSocket {
  data: unknown;
  readonly tls?: TlsConnection;
  private waitingForDrain = false;

  constructor(private readonly socket: Socket, events: RawSocketEvents) {
    this.data = events;
    if ("getProtocol" in socket) this.tls = tlsConnectionOf(socket as TLSSocket);
    const to = () => this.data as RawSocketEvents;
    socket.on("data", (chunk: Buffer) => to().onData(chunk));
    socket.on("drain", () => {
      this.waitingForDrain = false;
      to().onDrain();
    });
    socket.on("end", () => to().onPeerEnd?.());
    socket.on("timeout", () => to().onTimeout?.());
    socket.on("close", () => to().onClose());
    // "close" follows every error; the error itself needs no handling here.
    socket.on("error", () => {});
  }

  write(bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
    if (this.socket.destroyed) return -1;
    if (this.waitingForDrain) return 0;
    // node:tls keeps what it is given: a range of a shared buffer must be copied.
    const data = offset === 0 && length === bytes.length ? bytes : Buffer.from(bytes.subarray(offset, offset + length));
    if (!this.socket.write(data)) this.waitingForDrain = true;
    return length;
  }

  end(): void {
    this.socket.end();
  }

  terminate(): void {
    this.socket.destroy();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  timeout(seconds: number): void {
    this.socket.setTimeout(seconds * 1000);
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  get remoteAddress(): string {
    const a = this.socket.remoteAddress ?? "";
    return a.startsWith("::ffff:") ? a.slice(7) : a;
  }
}
