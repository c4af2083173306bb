import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../../net/ip-range.ts";
import { applyForwardedHeaders, type ForwardedTrust } from "../forwarded-headers.ts";
import { stripHopByHop } from "../hop-by-hop.ts";
import { forwardFields, type RawForwardInput } from "./forward-headers.ts";

// The raw front must send exactly what the Bun.serve front sends: compare
// with stripHopByHop + applyForwardedHeaders on the same input.
const base: Omit<RawForwardInput, "headers" | "connection"> = {
  clientIp: "1.2.3.4", scheme: "http", host: "a.test:8000", entryPointPort: 8000, proxyHostname: "px", websocket: false, backendHost: null,
};
const trustNone: ForwardedTrust = { insecure: false, trusted: IpRangeList.parse([]).list };
const trustAll: ForwardedTrust = { insecure: true, trusted: IpRangeList.parse([]).list };

function viaHeaders(headers: [string, string][], trust: ForwardedTrust, input = base): Record<string, string> {
  const h = new Headers();
  for (const [k, v] of headers) h.append(k, v);
  stripHopByHop(h);
  h.delete("content-length");
  applyForwardedHeaders(h, { ...input, host: input.host, serverName: input.proxyHostname }, trust);
  if (input.backendHost) h.set("host", input.backendHost);
  return Object.fromEntries(h);
}

function viaList(headers: [string, string][], trust: ForwardedTrust, input = base): Record<string, string> {
  const connection = headers.filter(([k]) => k.toLowerCase() === "connection").flatMap(([, v]) => v.split(",").map((t) => t.trim().toLowerCase()));
  const h = new Headers();
  for (const [k, v] of forwardFields({ ...input, headers, connection }, trust).list) h.append(k, v);
  return Object.fromEntries(h);
}

describe("forwardFields matches the Headers-based path", () => {
  const cases: [string, [string, string][], ForwardedTrust, Partial<RawForwardInput>][] = [
    ["plain", [["Host", "a.test:8000"], ["Accept", "*/*"]], trustNone, {}],
    ["spoofed, untrusted", [["Host", "a.test"], ["X-Forwarded-For", "6.6.6.6"], ["X-Real-Ip", "6.6.6.6"], ["X-Forwarded-Proto", "https"]], trustNone, {}],
    ["trusted chain", [["Host", "a.test"], ["X-Forwarded-For", "9.9.9.9"], ["X-Forwarded-Proto", "https"], ["X-Real-Ip", "9.9.9.9"]], trustAll, {}],
    ["hop-by-hop", [["Host", "a.test"], ["Connection", "keep-alive, X-Secret"], ["X-Secret", "1"], ["Keep-Alive", "5"], ["TE", "trailers"], ["Proxy-Authorization", "x"], ["X-Keep", "y"]], trustNone, {}],
    ["passHostHeader false", [["Host", "a.test"]], trustNone, { backendHost: "10.0.0.1:8080" }],
    ["websocket", [["Host", "a.test"]], trustNone, { websocket: true }],
  ];
  test.each(cases)("%s", (_name, headers, trust, extra) => {
    const input = { ...base, ...extra };
    expect(viaList(headers, trust, input)).toEqual(viaHeaders(headers, trust, input));
  });
});
