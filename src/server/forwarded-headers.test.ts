import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../net/ip-range.ts";
import { applyForwardedHeaders, portOf } from "./forwarded-headers.ts";
import { stripHopByHop } from "./hop-by-hop.ts";

const base = { scheme: "http" as const, host: "a.test", entryPointPort: 80, serverName: "sluice-1", websocket: false };
const trust = (ranges: string[], insecure = false) => ({ insecure, trusted: IpRangeList.parse(ranges).list });

describe("forwarded headers", () => {
  test("untrusted peer: spoofed values are replaced", () => {
    const h = new Headers({ "x-forwarded-for": "6.6.6.6", "x-real-ip": "6.6.6.6", "x-forwarded-host": "evil" });
    applyForwardedHeaders(h, { ...base, clientIp: "1.2.3.4" }, trust(["10.0.0.0/8"]));
    expect(h.get("x-forwarded-for")).toBe("1.2.3.4");
    expect(h.get("x-real-ip")).toBe("1.2.3.4");
    expect(h.get("x-forwarded-host")).toBe("a.test");
    expect(h.get("x-forwarded-proto")).toBe("http");
    expect(h.get("x-forwarded-port")).toBe("80");
    expect(h.get("x-forwarded-server")).toBe("sluice-1");
  });

  test("trusted peer: chain is extended and values kept", () => {
    const h = new Headers({ "x-forwarded-for": "9.9.9.9", "x-forwarded-proto": "https", "x-real-ip": "9.9.9.9" });
    applyForwardedHeaders(h, { ...base, clientIp: "10.1.1.1" }, trust(["10.0.0.0/8"]));
    expect(h.get("x-forwarded-for")).toBe("9.9.9.9, 10.1.1.1");
    expect(h.get("x-forwarded-proto")).toBe("https");
    expect(h.get("x-real-ip")).toBe("9.9.9.9");
  });

  test("insecure trusts everyone", () => {
    const h = new Headers({ "x-forwarded-for": "9.9.9.9" });
    applyForwardedHeaders(h, { ...base, clientIp: "1.1.1.1" }, trust([], true));
    expect(h.get("x-forwarded-for")).toBe("9.9.9.9, 1.1.1.1");
  });

  test("websocket and https proto, port from host", () => {
    const h = new Headers();
    applyForwardedHeaders(h, { ...base, scheme: "https", host: "a.test:8443", websocket: true, clientIp: "::1" }, trust([]));
    expect(h.get("x-forwarded-proto")).toBe("wss");
    expect(h.get("x-forwarded-port")).toBe("8443");
  });

  test.each([
    ["a.test", null],
    ["a.test:81", "81"],
    ["[::1]:8080", "8080"],
    ["[::1]", null],
  ])("portOf(%s) = %p", (host, port) => expect(portOf(host)).toBe(port));
});

describe("hop-by-hop", () => {
  test("standard and Connection-listed headers go, others stay", () => {
    const h = new Headers({
      connection: "keep-alive, X-Secret",
      "keep-alive": "timeout=5",
      "x-secret": "1",
      te: "trailers",
      "transfer-encoding": "chunked",
      upgrade: "h2c",
      "proxy-authorization": "x",
      "x-keep": "yes",
    });
    stripHopByHop(h);
    expect([...h.keys()]).toEqual(["x-keep"]);
  });
});
