// Load client for the `handshakes` case: `concurrency` loops, each opening a
// TLS connection (full handshake, SNI set), sending one HTTP/1.1 request with
// `Connection: close`, reading the response and closing, until time is up.
// Run as its own process (`bun handshake-client.ts <json options>`); prints
// one JSON HandshakeReport line.
//
// Why not wrk or h2load: both do reconnect per request with `-H "Connection:
// close"` (measured with nginx logging $connection: 8,483 connections for
// 8,483 wrk requests, no errors), but they keep the TLS session and offer its
// ticket on every reconnect (wrk's ssl_close uses SSL_clear, which keeps the
// session), and nginx and Sluice both accept tickets: $ssl_session_reused
// was set on 8,479 of wrk's 8,483 and 78,196 of h2load --h1's 78,200
// connections. That measures PSK resumption, which skips the certificate
// signature. `openssl s_time -new` does full
// handshakes but one at a time per process, sends no SNI and no usable HTTP
// request (its HTTP/1.0 GET has no Host), and OpenSSL 3.0's client handshake
// is slow enough (~0.6 ms of CPU) to be the bottleneck: about 1.5-2k/s here
// with 8 processes against ~4-5k/s with this client. Bun's client (BoringSSL
// in uSockets) keeps no session between connections, so every one is a full
// handshake with an ECDSA signature by the server.
import { percentile } from "./report.ts";

export interface HandshakeOptions {
  host: string;
  port: number;
  /** SNI and Host header. */
  serverName: string;
  path: string;
  concurrency: number;
  durationSec: number;
  /** Per connection, like wrk's --timeout. */
  timeoutSec?: number;
}

export interface HandshakeReport {
  /** Connections that completed a handshake, a request and a 2xx/3xx response. */
  ok: number;
  /** TLS handshakes that completed (ok plus those that failed later). */
  handshakes: number;
  errors: number;
  seconds: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Error kinds with counts, e.g. {"status 502": 3, "ECONNRESET": 1}. */
  errorKinds: Record<string, number>;
}

interface Outcome {
  ok: boolean;
  handshake: boolean;
  error?: string;
  ms: number;
}

/** Status and, once complete, whether the response has fully arrived. */
export function responseProgress(text: string, closed: boolean): { status?: number; complete: boolean } {
  const headEnd = text.indexOf("\r\n\r\n");
  if (headEnd < 0) return { complete: false };
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, headEnd + 2));
  if (!length) return { status, complete: closed };
  return { status, complete: text.length - headEnd - 4 >= Number(length[1]) };
}

function oneConnection(o: HandshakeOptions): Promise<Outcome> {
  const started = performance.now();
  const request = `GET ${o.path} HTTP/1.1\r\nHost: ${o.serverName}\r\nConnection: close\r\n\r\n`;
  return new Promise<Outcome>((resolve) => {
    let text = "";
    let handshake = false;
    let settled = false;
    const settle = (error?: string) => {
      if (settled) return;
      settled = true;
      resolve({ ok: error === undefined, handshake, error, ms: performance.now() - started });
    };
    const check = (closed: boolean) => {
      const p = responseProgress(text, closed);
      if (!p.complete) return closed ? settle("closed before the response ended") : undefined;
      settle(p.status && p.status >= 200 && p.status < 400 ? undefined : `status ${p.status}`);
      return true;
    };
    Bun.connect({
      hostname: o.host,
      port: o.port,
      // No verification (wrk and h2load do none either): the client's CPU is shared with the server.
      tls: { serverName: o.serverName, rejectUnauthorized: false },
      socket: {
        open(s) {
          s.timeout(o.timeoutSec ?? 10);
        },
        // Not verified (rejectUnauthorized false), so an untrusted chain is no failure here.
        handshake(s) {
          handshake = true;
          s.write(request);
        },
        data(s, chunk) {
          text += chunk.toString("latin1");
          if (check(false)) s.end();
        },
        close() {
          check(true);
        },
        timeout(s) {
          settle("timeout");
          s.end();
        },
        error(_s, err) {
          settle((err as NodeJS.ErrnoException).code ?? err.message);
        },
        connectError(_s, err) {
          settle(`connect: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
        },
      },
    }).catch((err: unknown) => settle(`connect: ${err instanceof Error ? err.message : String(err)}`));
  });
}

export async function driveHandshakes(o: HandshakeOptions): Promise<HandshakeReport> {
  const started = performance.now();
  const deadline = started + o.durationSec * 1000;
  const latencies: number[] = [];
  const errorKinds: Record<string, number> = {};
  let handshakes = 0;
  let errors = 0;
  const loop = async () => {
    while (performance.now() < deadline) {
      const r = await oneConnection(o);
      if (r.handshake) handshakes++;
      if (r.ok) latencies.push(r.ms);
      else {
        errors++;
        errorKinds[r.error ?? "?"] = (errorKinds[r.error ?? "?"] ?? 0) + 1;
        // A refused or reset port would spin; back off a little.
        if (!r.handshake) await Bun.sleep(1);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, loop));
  return {
    ok: latencies.length,
    handshakes,
    errors,
    seconds: (performance.now() - started) / 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errorKinds,
  };
}

if (import.meta.main) {
  const options = JSON.parse(process.argv[2] ?? "{}") as HandshakeOptions;
  console.log(JSON.stringify(await driveHandshakes(options)));
}
