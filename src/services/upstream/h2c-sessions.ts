// HTTP/2 cleartext sessions to backends (`h2c://` server URLs, as Traefik
// users point at gRPC services), one per origin, shared by every request to
// it: HTTP/2 multiplexes, so there is no pool of connections to keep. Bun's
// node:http2 client speaks the protocol (prior knowledge, RFC 9113 §3.3).
import type { ClientHttp2Session } from "node:http2";
import http2 from "node:http2";
import { UpstreamError } from "./types.ts";

interface Entry {
  ready: Promise<ClientHttp2Session>;
  session: ClientHttp2Session | null;
  /** Requests open on it; at 0 the idle timer runs. */
  open: number;
  idleTimer: ReturnType<typeof setTimeout> | null;
}

export interface H2cSessionOptions {
  /** A session with no open request is closed after this (serversTransport idleConnTimeout); 0 = never. */
  idleConnTimeoutMs: number;
}

export class H2cSessions {
  private readonly entries = new Map<string, Entry>();
  private closed = false;
  /** Sessions opened so far (tests). */
  dials = 0;

  constructor(private readonly opts: H2cSessionOptions) {}

  /** The live session to `hostname:port`, connecting when there is none. Rejects with UpstreamError. */
  acquire(hostname: string, port: number, dialTimeoutMs: number): Promise<ClientHttp2Session> {
    if (this.closed) return Promise.reject(new UpstreamError("refused", "upstream pool closed"));
    const key = `${hostname}|${port}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { ready: this.connect(key, hostname, port, dialTimeoutMs), session: null, open: 0, idleTimer: null };
      this.entries.set(key, entry);
    }
    const e = entry;
    e.open++;
    if (e.idleTimer !== null) {
      clearTimeout(e.idleTimer);
      e.idleTimer = null;
    }
    return e.ready.catch((err: unknown) => {
      e.open--;
      throw err;
    });
  }

  /** A request on the session to `hostname:port` ended (any way). */
  release(hostname: string, port: number): void {
    const key = `${hostname}|${port}`;
    const entry = this.entries.get(key);
    if (entry === undefined || --entry.open > 0 || this.opts.idleConnTimeoutMs <= 0) return;
    entry.idleTimer = setTimeout(() => {
      if (this.entries.get(key) === entry && entry.open === 0) this.drop(key, entry);
    }, this.opts.idleConnTimeoutMs);
    entry.idleTimer.unref?.();
  }

  /** Sessions open now (tests). */
  size(): number {
    return this.entries.size;
  }

  close(): void {
    this.closed = true;
    for (const [key, entry] of this.entries) this.drop(key, entry);
  }

  private connect(key: string, hostname: string, port: number, dialTimeoutMs: number): Promise<ClientHttp2Session> {
    this.dials++;
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    return new Promise((resolve, reject) => {
      const session = http2.connect(`http://${host}:${port}`);
      let connected = false;
      const timer =
        dialTimeoutMs > 0
          ? setTimeout(() => {
              session.destroy();
              forget();
              reject(new UpstreamError("dial-timeout", `no HTTP/2 connection to ${host}:${port} within ${dialTimeoutMs}ms`));
            }, dialTimeoutMs)
          : null;
      // A session that closed, went away or failed takes no new requests; the next one dials again.
      const forget = () => {
        const entry = this.entries.get(key);
        if (entry !== undefined && (entry.session === session || !connected)) {
          if (entry.idleTimer !== null) clearTimeout(entry.idleTimer);
          this.entries.delete(key);
        }
      };
      session.on("connect", () => {
        connected = true;
        if (timer !== null) clearTimeout(timer);
        const entry = this.entries.get(key);
        if (entry) entry.session = session;
        resolve(session);
      });
      session.on("error", (err: Error) => {
        forget();
        if (connected) return; // each open stream hears it too
        if (timer !== null) clearTimeout(timer);
        reject(new UpstreamError("refused", `HTTP/2 connection to ${host}:${port}: ${err.message}`));
      });
      session.on("goaway", forget);
      session.on("close", forget);
    });
  }

  private drop(key: string, entry: Entry): void {
    if (entry.idleTimer !== null) clearTimeout(entry.idleTimer);
    this.entries.delete(key);
    entry.ready.then(
      (session) => session.close(),
      () => {},
    );
  }
}
