// One upstream socket (TCP or TLS) opened with Bun.connect. It owns the write
// queue (Bun's socket.write does not buffer: a short write must be resent on
// `drain`) and forwards socket events to whichever exchange currently uses it.
import type { Socket, SocketHandler } from "bun";
import { headPartsText, type HeadParts } from "../../server/raw/http1-head.ts";
import { SCRATCH, fillScratch } from "../../server/raw/scratch.ts";
import { BatchSlot, type BatchedWriter } from "../../server/raw/write-batch.ts";
import { UpstreamError } from "./types.ts";

/** What an in-flight request listens to on its connection. */
export interface ConnectionListener {
  onData(chunk: Uint8Array): void;
  /** The socket closed (by either side); `err` set when it was an error. */
  onClose(err: Error | undefined): void;
}

export interface DialOptions {
  hostname: string;
  port: number;
  tls: false | { serverName?: string; rejectUnauthorized: boolean; ca?: string[] };
  dialTimeoutMs: number;
  signal?: AbortSignal;
}

const handlers: SocketHandler<UpstreamConnection> = {
  binaryType: "uint8array",
  data(s, chunk) {
    s.data.handleData(chunk);
  },
  drain(s) {
    s.data.handleDrain();
  },
  close(s, err) {
    s.data.handleClose(err);
  },
  error(s, err) {
    s.data.lastError = err;
  },
  handshake(s, success, authorizationError) {
    s.data.handleHandshake(success, authorizationError);
  },
  connectError() {
    // The Bun.connect promise rejects; handled in dial().
  },
};

export class UpstreamConnection implements BatchedWriter {
  socket: Socket<UpstreamConnection> | null = null;
  listener: ConnectionListener | null = null;
  closed = false;
  lastError: Error | undefined;
  /** Requests started on this socket; > 0 means a reused (possibly stale) socket. */
  uses = 0;
  /** The pool's sweep count when it went back to the pool (pool.ts). */
  idleSince = 0;
  /** The dial gave up (timeout/abort): close the socket as soon as it opens. */
  private abandoned = false;
  /** TLS: the handshake outcome (null while pending), and who waits for it. */
  private handshake: { ok: boolean; error: string } | null = null;
  private onHandshake: (() => void) | null = null;
  private rejectUnauthorized = true;
  private queue: Uint8Array[] = [];
  /** A request head held in the write batch (write-batch.ts). */
  private readonly batch = new BatchSlot(this);
  private drainWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** Set by the pool while the connection is idle in it: told when the connection closes. */
  idlePool: { forget(key: string, conn: UpstreamConnection): void } | null = null;
  /** The pool key it is idle under (with idlePool). */
  idleKey = "";

  static async dial(opts: DialOptions): Promise<UpstreamConnection> {
    const conn = new UpstreamConnection();
    if (opts.tls) conn.rejectUnauthorized = opts.tls.rejectUnauthorized;
    const connecting = Bun.connect<UpstreamConnection>({
      hostname: opts.hostname,
      port: opts.port,
      data: conn,
      socket: handlers,
      tls: opts.tls === false ? undefined : opts.tls,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const giveUp = new Promise<never>((_, reject) => {
      if (opts.dialTimeoutMs > 0) {
        timer = setTimeout(() => reject(new UpstreamError("dial-timeout", `dial ${opts.hostname}:${opts.port} timed out after ${opts.dialTimeoutMs}ms`)), opts.dialTimeoutMs);
      }
      if (opts.signal) {
        onAbort = () => reject(new UpstreamError("aborted", "client aborted while connecting"));
        if (opts.signal.aborted) onAbort();
        else opts.signal.addEventListener("abort", onAbort, { once: true });
      }
    });
    try {
      conn.socket = await (timer || onAbort ? Promise.race([connecting, giveUp]) : connecting);
      // With a handshake handler Bun resolves at TCP connect; a TLS socket is
      // usable (and its certificate judged) only once the handshake is done.
      if (opts.tls) await (timer || onAbort ? Promise.race([conn.handshakeDone(), giveUp]) : conn.handshakeDone());
      conn.socket.setNoDelay(true);
      return conn;
    } catch (err) {
      conn.abandoned = true;
      connecting.then((s) => s.terminate(), () => {});
      throw err instanceof UpstreamError ? err : dialError(err, opts);
    } finally {
      if (timer) clearTimeout(timer);
      if (onAbort) opts.signal?.removeEventListener("abort", onAbort);
    }
  }

  private handshakeDone(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        const h = this.handshake;
        if (!h) return false;
        this.onHandshake = null;
        if (h.ok) resolve();
        else reject(new UpstreamError("refused", `TLS handshake: ${h.error}`));
        return true;
      };
      if (!settle()) this.onHandshake = settle;
    });
  }

  handleHandshake(success: boolean, authorizationError: Error | null): void {
    const refused = this.rejectUnauthorized && (!success || authorizationError !== null);
    this.handshake = refused ? { ok: false, error: authorizationError?.message ?? "failed" } : { ok: true, error: "" };
    this.onHandshake?.();
  }

  /**
   * Writes all of `data` eventually. Returns null when the kernel took it all,
   * otherwise a promise that settles once the queue drained (rejects if the
   * socket closes first). Throws if the socket is already closed.
   */
  write(data: Uint8Array | string): Promise<void> | null {
    if (this.batch.pending) this.flushBatched(); // the batched head goes first
    const s = this.socket;
    if (!s || this.closed) throw new UpstreamError("reset", "upstream connection closed");
    if (this.queue.length === 0) {
      const n = s.write(data);
      if (n < 0) throw new UpstreamError("reset", "upstream connection closed");
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      if (n === bytes.length) return null;
      this.queue.push(bytes.subarray(n));
    } else {
      this.queue.push(typeof data === "string" ? Buffer.from(data) : data);
    }
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /**
   * write() for latin1 text (a request head). A small one joins the write
   * batch and leaves at the end of this event-loop round (null: taken; a
   * socket found closed then shows as a close event). Otherwise it is built
   * in the shared scratch buffer: Bun's write copies.
   */
  writeLatin1(text: string): Promise<void> | null {
    const s = this.socket;
    if (!s || this.closed) throw new UpstreamError("reset", "upstream connection closed");
    if (this.batch.pending) this.flushBatched();
    if (this.queue.length === 0 && this.batch.hold(text, null)) return null;
    const total = this.queue.length === 0 ? fillScratch(text, null) : -1;
    if (total < 0) return this.write(Buffer.from(text, "latin1"));
    const n = s.write(SCRATCH, 0, total);
    if (n < 0) throw new UpstreamError("reset", "upstream connection closed");
    if (n >= total) return null;
    // The scratch buffer is reused: the rest must be copied.
    this.queue.push(Buffer.from(SCRATCH.subarray(n, total)));
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** writeLatin1 for a head in parts (fields as received bytes): batched without making them a string. */
  writeParts(head: HeadParts): Promise<void> | null {
    const s = this.socket;
    if (!s || this.closed) throw new UpstreamError("reset", "upstream connection closed");
    if (this.batch.pending) this.flushBatched();
    if (this.queue.length === 0 && this.batch.holdParts(head, null)) return null;
    return this.writeLatin1(headPartsText(head));
  }

  /** Sends the batched head now (end of the round, or a body write must follow it). */
  flushBatched(): void {
    const s = this.socket;
    if (!s || this.closed) return;
    // What the socket did not take waits for drain (a closed socket's close event reports it).
    const rest = this.batch.send(s);
    if (rest !== null) this.queue.push(rest);
  }

  pause(): void {
    this.socket?.pause();
  }

  resume(): void {
    this.socket?.resume();
  }

  /** Abrupt close: the response is abandoned, nothing more will be read. */
  destroy(): void {
    if (this.closed) return;
    this.socket?.terminate();
    this.markClosed(undefined);
  }

  /** Graceful close of an idle connection. */
  close(): void {
    if (this.closed) return;
    this.flushBatched();
    this.socket?.end();
    this.markClosed(undefined);
  }

  handleData(chunk: Uint8Array): void {
    if (this.listener) this.listener.onData(chunk);
    else this.destroy(); // unsolicited bytes on an idle connection: it cannot be trusted
  }

  handleDrain(): void {
    const s = this.socket;
    if (!s) return;
    while (this.queue.length) {
      const head = this.queue[0]!;
      const n = s.write(head);
      if (n < 0) return; // close follows
      if (n < head.length) {
        this.queue[0] = head.subarray(n);
        return;
      }
      this.queue.shift();
    }
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w.resolve();
  }

  handleClose(err: Error | undefined): void {
    if (this.abandoned) return;
    if (!this.handshake) {
      this.handshake = { ok: false, error: `connection closed${err ? `: ${err.message}` : ""}` };
      this.onHandshake?.();
    }
    this.markClosed(err ?? this.lastError);
  }

  private markClosed(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.batch.drop();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w.reject(new UpstreamError("reset", "upstream connection closed while writing"));
    const listener = this.listener;
    this.listener = null;
    listener?.onClose(err);
    this.idlePool?.forget(this.idleKey, this);
  }
}

function dialError(err: unknown, opts: DialOptions): UpstreamError {
  const e = err as { code?: string; message?: string };
  const what = `dial ${opts.hostname}:${opts.port}`;
  if (e?.code === "ETIMEDOUT") return new UpstreamError("dial-timeout", `${what}: ${e.message ?? e.code}`);
  if (e?.code === "ECONNRESET") return new UpstreamError("reset", `${what}: ${e.message ?? e.code}`);
  // Refused, unreachable, DNS failure, TLS handshake failure: the backend could not be reached.
  return new UpstreamError("refused", `${what}: ${e?.code ? `${e.code} ` : ""}${e?.message ?? String(err)}`);
}
