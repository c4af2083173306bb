// Test helper: a finished RequestContext with plausible values; override what a test cares about.
import type { RequestContext } from "../server/request-context.ts";

export function finishedContext(over: Partial<RequestContext> = {}): RequestContext {
  return {
    startMs: Date.UTC(2026, 10, 25, 9, 0, 0, 123),
    startHr: 0,
    entryPoint: "web",
    clientAddr: "10.0.0.1:51234",
    clientHost: "10.0.0.1",
    clientPort: 51234,
    method: "GET",
    host: "example.test:8080",
    path: "/api/items?x=1",
    protocol: "HTTP/1.1",
    scheme: "http",
    requestContentSize: 0,
    routerName: "api@file",
    serviceName: "api@file",
    serviceUrl: "http://10.0.0.2:9000",
    serviceAddr: "10.0.0.2:9000",
    originStatus: 200,
    originContentSize: 42,
    originDurationMs: 4.5,
    downstreamStatus: 200,
    downstreamContentSize: 42,
    retryAttempts: 0,
    durationMs: 5.75,
    requestHeaders: new Headers({ "user-agent": "curl/8.0", referer: "http://ref.test/", "x-custom": "yes" }),
    responseHeaders: new Headers({ "content-type": "text/plain" }),
    ...over,
  };
}
