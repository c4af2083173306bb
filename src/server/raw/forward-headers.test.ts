import { describe, expect, test } from "bun:test";
import { IpRangeList } from "../../net/ip-range.ts";
import { applyForwardedHeaders, type ForwardedTrust } from "../forwarded-headers.ts";
import { stripHopByHop } from "../hop-by-hop.ts";
import { forwardFields, type RawForwardInput } from "./forward-headers.ts";
import { RangeFieldBlock, parseRequestHead, type RequestHead } from "./http1-head.ts";

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

/** The head as the front parses it from bytes (so `received` is set), for a GET or a POST with a body. */
function parsedFromBytes(headers: [string, string][], method = "GET"): RequestHead {
  const text = `${method} /p HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}`).join("\r\n")}`;
  const bytes = Buffer.from(`junk${text}\r\n\r\n`, "latin1"); // the head starts at 4 in its read
  return parseRequestHead(text, { maxHeaders: 100, maxBodyBytes: Number.MAX_SAFE_INTEGER }, bytes, 4);
}

function viaReceived(head: RequestHead, trust: ForwardedTrust, input = base): { fields: Record<string, string>; asReceived: boolean } {
  const block = forwardFields({ ...input, headers: head.headers, connection: head.connection, received: head.received }, trust);
  const h = new Headers();
  for (const [k, v] of block.list) h.append(k, v);
  return { fields: Object.fromEntries(h), asReceived: block instanceof RangeFieldBlock };
}

describe("forwardFields from the lines as received", () => {
  const cases: [string, [string, string][], Partial<RawForwardInput>, boolean][] = [
    ["plain", [["Host", "a.test:8000"], ["Accept", "*/*"], ["User-Agent", "t"]], {}, true],
    ["odd whitespace is the client's own", [["Host", "a.test"], ["X-A", "1   "]], {}, true],
    ["usual Connection and hop-by-hop lines are cut", [["Host", "a.test"], ["Connection", "keep-alive"], ["Keep-Alive", "5"], ["TE", "trailers"], ["Proxy-Authorization", "x"], ["X-Keep", "y"]], {}, true],
    ["framing lines are cut", [["Host", "a.test"], ["Content-Length", "3"], ["X-After", "z"]], {}, true],
    ["every hop-by-hop name, in any case", [["Host", "a.test"], ["trailer", "x"], ["UPGRADE", "y"], ["Proxy-Connection", "z"], ["proxy-authenticate", "w"], ["User-Agent", "same length as Connection"], ["X-Custom-Field", "same length as Content-Length"]], {}, true],
    ["a passTLSClientCert field from the client: the list path", [["Host", "a.test"], ["X-Forwarded-Tls-Client-Cert", "forged"]], {}, false],
    ["X-Real-Ip from the client: the list path", [["Host", "a.test"], ["x-real-ip", "6.6.6.6"]], {}, false],
    ["Connection naming another field: the list path", [["Host", "a.test"], ["Connection", "X-Secret"], ["X-Secret", "1"]], {}, false],
    ["a forwarded field: the list path", [["Host", "a.test"], ["X-Forwarded-For", "6.6.6.6"]], {}, false],
    ["passHostHeader false: the list path", [["Host", "a.test"]], { backendHost: "10.0.0.1:8080" }, false],
    ["websocket", [["Host", "a.test"], ["Connection", "Upgrade"], ["Upgrade", "websocket"]], { websocket: true }, true],
  ];
  test.each(cases)("%s", (_name, headers, extra, asReceived) => {
    const input = { ...base, ...extra };
    const head = parsedFromBytes(headers, headers.some(([k]) => k === "Content-Length") ? "POST" : "GET");
    const got = viaReceived(head, trustNone, input);
    expect(got.fields).toEqual(viaHeaders(headers, trustNone, input));
    expect(got.asReceived).toBe(asReceived);
  });

  test("the same suffix object serves the next request of the same client and host; another host gets its own", () => {
    const a = viaReceived(parsedFromBytes([["Host", "a.test"]]), trustNone, { ...base, host: "a.test" });
    const b = viaReceived(parsedFromBytes([["Host", "b.test"]]), trustNone, { ...base, host: "b.test" });
    expect(a.fields["x-forwarded-host"]).toBe("a.test");
    expect(b.fields["x-forwarded-host"]).toBe("b.test");
  });

  test("a head in a big read (a head and much body) is not kept for its bytes", () => {
    const text = "POST /p HTTP/1.1\r\nHost: a.test\r\nContent-Length: 70000";
    const bytes = Buffer.concat([Buffer.from(`${text}\r\n\r\n`, "latin1"), Buffer.alloc(70000, 0x62)]);
    const head = parseRequestHead(text, { maxHeaders: 100, maxBodyBytes: Number.MAX_SAFE_INTEGER }, bytes, 0);
    expect(head.received).toBeUndefined();
    expect(viaReceived(head, trustNone).fields.host).toBe("a.test");
  });

  test("a pair a middleware replaced is sent as replaced (the list path)", () => {
    const head = parsedFromBytes([["Host", "a.test"], ["X-A", "old"]]);
    head.headers[1] = ["X-A", "new"];
    const got = viaReceived(head, trustNone);
    expect(got.asReceived).toBe(false);
    expect(got.fields["x-a"]).toBe("new");
  });

  test("a removed or added pair is seen too", () => {
    const removed = parsedFromBytes([["Host", "a.test"], ["X-A", "1"]]);
    removed.headers.splice(1, 1);
    expect(viaReceived(removed, trustNone).fields["x-a"]).toBeUndefined();
    const added = parsedFromBytes([["Host", "a.test"]]);
    added.headers.push(["X-B", "2"]);
    expect(viaReceived(added, trustNone).fields["x-b"]).toBe("2");
  });

  test("pairs added after the received ones (customRequestHeaders) follow the received bytes; forwarded or hop-by-hop names take the list path", () => {
    const head = parsedFromBytes([["Host", "a.test"], ["X-A", "1"]]);
    head.headers.push(["X-Bench", "1"]);
    const block = forwardFields({ ...base, headers: head.headers, connection: head.connection, received: head.received }, trustNone) as RangeFieldBlock;
    expect(block).toBeInstanceOf(RangeFieldBlock);
    expect(block.text).toStartWith("Host: a.test\r\nX-A: 1\r\nX-Bench: 1\r\nX-Forwarded-For: 1.2.3.4\r\n");
    const out = Buffer.alloc(block.byteLength);
    block.copyTo(out, 0);
    expect(out.toString("latin1")).toBe(block.text);
    for (const special of [["X-Forwarded-For", "6.6.6.6"], ["Connection", "close"], ["Host", "b.test"]] as [string, string][]) {
      const other = parsedFromBytes([["Host", "a.test"]]);
      other.headers.push(special);
      const got = viaReceived(other, trustNone);
      expect(got.asReceived).toBe(false);
    }
  });

  test("the block's bytes are the received lines, cut and followed by the X-Forwarded lines", () => {
    const head = parsedFromBytes([["Host", "a.test"], ["Connection", "keep-alive"], ["X-A", "1"]]);
    const block = forwardFields({ ...base, headers: head.headers, connection: head.connection, received: head.received }, trustNone) as RangeFieldBlock;
    const out = Buffer.alloc(block.byteLength);
    expect(block.copyTo(out, 0)).toBe(block.byteLength);
    expect(out.toString("latin1")).toBe(block.text);
    expect(block.text).toStartWith("Host: a.test\r\nX-A: 1\r\nX-Forwarded-For: 1.2.3.4\r\n");
  });
});
