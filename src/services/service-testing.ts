// Helpers for service unit tests: services that answer with their name, a
// fake upstream client, and a context/conn for calling handlers directly.
import { IpRangeList } from "../net/ip-range.ts";
import type { ConnInfo } from "../server/handler.ts";
import type { RequestContext } from "../server/request-context.ts";
import type { ForwardOptions } from "./proxy.ts";
import type { Service } from "./service.ts";
import { UpstreamError, type UpstreamClient, type UpstreamRequest } from "./upstream/types.ts";

export function conn(): ConnInfo {
  return { clientIp: "127.0.0.1", clientPort: 40000, entryPoint: "web", entryPointPort: 80, scheme: "http", trust: { insecure: false, trusted: IpRangeList.parse([]).list } };
}

export function context(req: Request): RequestContext {
  const url = new URL(req.url);
  return {
    startMs: Date.now(), startHr: performance.now(), entryPoint: "web", clientAddr: "127.0.0.1:40000", clientHost: "127.0.0.1", clientPort: 40000,
    method: req.method, host: url.host, path: url.pathname + url.search, protocol: "HTTP/1.1", scheme: "http", requestContentSize: 0,
    downstreamStatus: 0, downstreamContentSize: 0, retryAttempts: 0, requestHeaders: req.headers,
  };
}

/** Calls a service's handler with a fresh context. */
export async function call(service: Service, init: RequestInit & { url?: string } = {}): Promise<Response> {
  const req = new Request(init.url ?? "http://app.test/", init);
  return service.handler(req, context(req), conn());
}

/** What a fake service received. */
export interface Received {
  method: string;
  headers: Headers;
  body: string;
}

/** A service answering 200 with its name; `up` drives isUp(). */
export class FakeService implements Service {
  up = true;
  reportsHealth = true;
  received: Received[] = [];
  /** When set, the handler waits on it before answering (a slow service). */
  gate: Promise<void> | null = null;
  fail = false;
  constructor(readonly name: string) {}
  handler = async (req: Request): Promise<Response> => {
    const body = req.body ? await req.text() : "";
    this.received.push({ method: req.method, headers: req.headers, body });
    if (this.gate) await this.gate;
    if (this.fail) throw new Error(`${this.name} failed`);
    return new Response(this.name, { headers: { "x-service": this.name } });
  };
  isUp(): boolean {
    return this.up;
  }
  dispose(): void {}
}

/**
 * An upstream client answering with the target's host; hosts in `dead` are
 * refused, each request's host is recorded, `delayMs` per host slows answers.
 */
export class FakeClient implements UpstreamClient {
  dead = new Set<string>();
  delayMs = new Map<string, number>();
  hosts: string[] = [];
  async request(req: UpstreamRequest): Promise<Response> {
    const host = req.target.host;
    this.hosts.push(host);
    const delay = this.delayMs.get(host) ?? 0;
    if (delay > 0) await Bun.sleep(delay);
    if (this.dead.has(host)) throw new UpstreamError("refused", `connection refused by ${host}`);
    return new Response(host, { headers: { "content-length": String(host.length) } });
  }
  close(): void {}
}

export function forwardOptions(client: UpstreamClient): ForwardOptions {
  return { client, passHostHeader: true, timeouts: { dialTimeoutMs: 0, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 0 }, proxyHostname: "sluice" };
}

/** Counts of each value. */
export function tally(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
