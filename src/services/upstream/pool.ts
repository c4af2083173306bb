// Idle keep-alive connections per origin. Most recently used first (LIFO) so
// the warmest sockets are reused and the surplus ages out. One sweeper timer
// (not one timer per socket) closes those idle longer than idleConnTimeoutMs.
import type { UpstreamConnection } from "./connection.ts";

export interface PoolOptions {
  /** Idle sockets kept per origin; surplus ones are closed on release. */
  maxIdleConnsPerHost: number;
  /** Idle sockets are closed after this; 0 = never. */
  idleConnTimeoutMs: number;
}

export class ConnectionPool {
  private readonly idle = new Map<string, UpstreamConnection[]>();
  private sweeper: ReturnType<typeof setInterval> | null = null;
  private idleCount = 0;
  /**
   * Sweeps so far: a released connection is stamped with this count rather
   * than a clock reading (one clock read less per request), and closed once
   * enough sweeps went by, i.e. between idleConnTimeout and one sweep period later.
   */
  private sweeps = 0;
  private period = 0;

  constructor(private readonly opts: PoolOptions) {}

  /** A live idle connection for `key`, removed from the pool, or undefined. */
  acquire(key: string): UpstreamConnection | undefined {
    const list = this.idle.get(key);
    if (!list) return undefined;
    while (list.length) {
      const conn = list.pop()!;
      this.idleCount--;
      conn.idlePool = null;
      if (!conn.closed) return conn;
    }
    return undefined;
  }

  /** Puts a connection whose last response was fully read back in the pool. */
  release(key: string, conn: UpstreamConnection): void {
    if (conn.closed) return;
    let list = this.idle.get(key);
    if (!list) {
      list = [];
      this.idle.set(key, list);
    }
    if (list.length >= this.opts.maxIdleConnsPerHost) {
      conn.close();
      return;
    }
    conn.listener = null;
    conn.idleSince = this.sweeps;
    list.push(conn);
    this.idleCount++;
    // The upstream may close an idle socket (its own keep-alive timeout): drop it then.
    conn.idleKey = key;
    conn.idlePool = this;
    this.ensureSweeper();
  }

  /** Number of idle connections (all origins, or one). */
  size(key?: string): number {
    if (key !== undefined) return this.idle.get(key)?.length ?? 0;
    return this.idleCount;
  }

  closeAll(): void {
    for (const list of this.idle.values()) {
      for (const conn of list) {
        conn.idlePool = null;
        conn.close();
      }
    }
    this.idle.clear();
    this.idleCount = 0;
    this.stopSweeper();
  }

  /** A connection idle here closed (the upstream's keep-alive timeout): drop it. */
  forget(key: string, conn: UpstreamConnection): void {
    conn.idlePool = null;
    const list = this.idle.get(key);
    if (!list) return;
    const i = list.indexOf(conn);
    if (i >= 0) {
      list.splice(i, 1);
      this.idleCount--;
    }
    if (list.length === 0) this.idle.delete(key);
  }

  private ensureSweeper(): void {
    const timeout = this.opts.idleConnTimeoutMs;
    if (this.sweeper || timeout <= 0) return;
    this.period = Math.min(Math.max(Math.floor(timeout / 4), 25), 1000);
    this.sweeper = setInterval(() => this.sweep(), this.period);
    this.sweeper.unref?.();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private sweep(): void {
    this.sweeps++;
    // Idle for at least idleConnTimeout: stamped this many full sweep periods ago.
    const deadline = this.sweeps - Math.ceil(this.opts.idleConnTimeoutMs / this.period) - 1;
    for (const [key, list] of this.idle) {
      // Oldest sit at the front (LIFO reuse from the back).
      let expired = 0;
      while (expired < list.length && list[expired]!.idleSince <= deadline) expired++;
      if (expired === 0) continue;
      const gone = list.splice(0, expired);
      this.idleCount -= gone.length;
      for (const conn of gone) {
        conn.idlePool = null;
        conn.close();
      }
      if (list.length === 0) this.idle.delete(key);
    }
    if (this.idleCount === 0) this.stopSweeper();
  }
}
