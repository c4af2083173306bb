// HTTP/2 cleartext sessions to backends (`h2c://` server URLs, as Traefik
// users point at gRPC services), one per origin, shared by every request to
// it: HTTP/2 multiplexes, so there is no pool of connections to keep. Bun's
// node:http2 client speaks the protocol (prior knowledge, RFC 9113 §3.3).
//
// A request waits here until the server's SETTINGS arrived and then while
// its SETTINGS_MAX_CONCURRENT_STREAMS is reached: Bun's client sends streams
// before it knows the limit, and the server refuses those beyond it with
// REFUSED_STREAM (a server allowing 2 refused 4 of 6 direct requests, and 10
// of 12 through Sluice before this queue).
import type { ClientHttp2Session } from "node:http2";
import http2 from "node:http2";
import { UpstreamError, type UpstreamTimeouts } from "./types.ts";

/** A stream slot on a session; `release` (once, any number of calls) gives it back. */
export interface H2cLease {
  session: ClientHttp2Session;
  release(): void;
}

interface Waiter {
  resolve(lease: H2cLease): void;
  reject(err: unknown): void;
}

interface Entry {
  session: ClientHttp2Session | null;
  /** Streams open on it (acquired, not yet released). */
  open: number;
  /** The peer's limit on concurrent streams, known once its SETTINGS arrived. */
  limit: number;
  waiting: Waiter[];
  idleTimer: ReturnType<typeof setTimeout> | null;
}

export interface H2cSessionOptions {
  /** A session with no open request is closed after this (serversTransport idleConnTimeout); 0 = never. */
  idleConnTimeoutMs: number;
}

export class H2cSessions {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(private readonly opts: H2cSessionOptions) {}

  /**
   * A stream slot on the live session to `target`'s origin (an h2c:// URL),
   * connecting when there is none and waiting while the peer's concurrency
   * limit is reached. Rejects with UpstreamError.
   */
  acquire(target: URL, timeouts: UpstreamTimeouts): Promise<H2cLease> {
    if (this.closed) return Promise.reject(new UpstreamError("refused", "upstream pool closed"));
    // h2c has no default port; a non-special URL keeps IPv6 brackets in host.
    const key = target.port ? target.host : `${target.host}:80`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { session: null, open: 0, limit: 0, waiting: [], idleTimer: null };
      this.entries.set(key, entry);
      this.connect(key, entry, target, timeouts);
    }
    if (entry.idleTimer !== null) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = null;
    }
    if (entry.session !== null && entry.open < entry.limit) return Promise.resolve(this.take(key, entry, entry.session));
    const e = entry;
    return new Promise((resolve, reject) => e.waiting.push({ resolve, reject }));
  }

  private take(key: string, entry: Entry, session: ClientHttp2Session): H2cLease {
    entry.open++;
    let released = false;
    return {
      session,
      release: () => {
        if (released) return;
        released = true;
        this.release(key, entry);
      },
    };
  }

  /** A request on `entry` ended (any way): its slot goes to a waiting one, or the idle timer starts. */
  private release(key: string, entry: Entry): void {
    entry.open = Math.max(0, entry.open - 1);
    this.admit(key, entry);
    if (this.entries.get(key) !== entry) return;
    if (entry.open > 0 || entry.waiting.length > 0 || this.opts.idleConnTimeoutMs <= 0) return;
    entry.idleTimer = setTimeout(() => {
      if (this.entries.get(key) === entry && entry.open === 0) this.drop(key, entry);
    }, this.opts.idleConnTimeoutMs);
    entry.idleTimer.unref?.();
  }

  close(): void {
    this.closed = true;
    for (const [key, entry] of this.entries) this.drop(key, entry);
  }

  /** Hands free slots to waiting requests, in order. */
  private admit(key: string, entry: Entry): void {
    const session = entry.session;
    if (session === null) return;
    while (entry.waiting.length > 0 && entry.open < entry.limit) entry.waiting.shift()!.resolve(this.take(key, entry, session));
  }

  private connect(key: string, entry: Entry, target: URL, timeouts: UpstreamTimeouts): void {
    const dialTimeoutMs = timeouts.dialTimeoutMs;
    const session = http2.connect(`http://${key}`);
    let ready = false;
    const fail = (err: UpstreamError) => {
      forget();
      for (const w of entry.waiting.splice(0)) w.reject(err);
    };
    // A session that closed, went away or failed takes no new requests; the next one dials again.
    const forget = () => {
      if (timer !== null) clearTimeout(timer);
      if (pinger !== null) clearInterval(pinger);
      if (entry.idleTimer !== null) clearTimeout(entry.idleTimer);
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    const timer =
      dialTimeoutMs > 0
        ? setTimeout(() => {
            session.destroy();
            fail(new UpstreamError("dial-timeout", `no HTTP/2 connection to ${key} within ${dialTimeoutMs}ms`));
          }, dialTimeoutMs)
        : null;
    let pinger: ReturnType<typeof setInterval> | null = null;
    // Ready once the server's SETTINGS arrived (its first frame): only then is its stream limit known.
    session.on("remoteSettings", (settings) => {
      entry.limit = Math.max(1, settings.maxConcurrentStreams ?? 100);
      if (!ready) {
        ready = true;
        if (timer !== null) clearTimeout(timer);
        entry.session = session;
        pinger = this.startPings(session, key, timeouts);
      }
      this.admit(key, entry);
    });
    session.on("error", (err: Error) => {
      // Open streams hear it too; requests still waiting for a slot are answered here.
      fail(new UpstreamError(ready ? "reset" : "refused", `HTTP/2 connection to ${key}: ${err.message}`));
    });
    // The server is going away (a restart): new requests, and those still waiting for a slot, go to a new session.
    session.on("goaway", () => {
      forget();
      for (const w of entry.waiting.splice(0)) this.acquire(target, timeouts).then(w.resolve, w.reject);
    });
    session.on("close", () => fail(new UpstreamError(ready ? "reset" : "refused", `HTTP/2 connection to ${key} closed`)));
  }

  /**
   * serversTransport readIdleTimeout/pingTimeout: a PING every
   * readIdleTimeout (Go sends one only after that long without a frame; here
   * one goes regardless, which costs a frame and finds the same dead peers),
   * and a session whose PING goes unanswered for pingTimeout is destroyed:
   * its streams fail (502, or a cut response) instead of hanging on a
   * black-holed connection, and the next request dials again.
   */
  private startPings(session: ClientHttp2Session, name: string, timeouts: UpstreamTimeouts): ReturnType<typeof setInterval> | null {
    const every = timeouts.readIdleTimeoutMs ?? 0;
    if (every <= 0) return null;
    const patience = timeouts.pingTimeoutMs ?? 15_000;
    let waiting = false;
    const pinger = setInterval(() => {
      if (waiting || session.destroyed) return;
      waiting = true;
      const deadline = setTimeout(() => session.destroy(new Error(`no answer to PING from ${name} within ${patience}ms`)), patience);
      try {
        session.ping((err) => {
          waiting = false;
          clearTimeout(deadline);
          if (err && !session.destroyed) session.destroy(err);
        });
      } catch (err) {
        clearTimeout(deadline);
        session.destroy(err as Error);
      }
    }, every);
    pinger.unref?.();
    return pinger;
  }

  private drop(key: string, entry: Entry): void {
    if (entry.idleTimer !== null) clearTimeout(entry.idleTimer);
    this.entries.delete(key);
    for (const w of entry.waiting.splice(0)) w.reject(new UpstreamError("refused", "upstream pool closed"));
    entry.session?.close();
  }
}
