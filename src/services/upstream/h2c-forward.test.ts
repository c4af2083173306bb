import { describe, expect, test } from "bun:test";
import { acceptsTrailers, h2cRequestHeaders, h2cResponseFields, h2cTrailerBlock } from "./h2c-forward.ts";
import type { RawForwardRequest } from "./raw-types.ts";
import type { HeaderList } from "../../server/raw/http1-head.ts";

function request(headers: HeaderList, pathAndQuery = "/a?b=1"): RawForwardRequest {
  return {
    target: new URL("h2c://10.0.0.5:50051"),
    method: "POST",
    pathAndQuery,
    headers,
    timeouts: { dialTimeoutMs: 0, responseHeaderTimeoutMs: 0, idleConnTimeoutMs: 0 },
  };
}

describe("h2cRequestHeaders", () => {
  test("pseudo-headers from the request; Host becomes :authority", () => {
    expect(h2cRequestHeaders(request([["Host", "api.test"], ["Content-Type", "application/grpc"]]))).toEqual({
      ":method": "POST",
      ":scheme": "http",
      ":path": "/a?b=1",
      ":authority": "api.test",
      "content-type": "application/grpc",
    });
  });

  test("without a Host field the server's host:port is the authority", () => {
    expect(h2cRequestHeaders(request([]))[":authority"]).toBe("10.0.0.5:50051");
  });

  test("fields HTTP/2 forbids are left out; repeated names become one array", () => {
    const out = h2cRequestHeaders(
      request([
        ["Connection", "keep-alive"],
        ["Keep-Alive", "timeout=5"],
        ["Transfer-Encoding", "chunked"],
        ["Upgrade", "h2c"],
        ["Proxy-Connection", "x"],
        ["TE", "gzip"],
        ["X-Forwarded-For", "1.2.3.4"],
        ["Cookie", "a=1"],
        ["Cookie", "b=2"],
        ["Cookie", "c=3"],
      ]),
    );
    expect(out).toEqual({ ":method": "POST", ":scheme": "http", ":path": "/a?b=1", ":authority": "10.0.0.5:50051", "x-forwarded-for": "1.2.3.4", cookie: ["a=1", "b=2", "c=3"] });
  });

  test("TE: trailers goes on when the client offered it", () => {
    expect(h2cRequestHeaders(request([]), true).te).toBe("trailers");
    expect(h2cRequestHeaders(request([]), false).te).toBeUndefined();
  });
});

test.each([
  [[["TE", "trailers"]], true],
  [[["te", "gzip, trailers"]], true],
  [[["Te", "trailers;q=1"]], true],
  [[["TE", "gzip"]], false],
  [[["X-TE", "trailers"]], false],
  [[["TE", "trailersx"]], false],
  [[], false],
] as [HeaderList, boolean][])("acceptsTrailers(%p) = %p", (headers, want) => {
  expect(acceptsTrailers(headers)).toBe(want);
});

test("h2cResponseFields keeps regular fields, each value of a repeated one, and drops pseudo and connection fields", () => {
  expect(
    h2cResponseFields({
      ":status": "200",
      "content-type": "text/plain",
      "set-cookie": ["a=1", "b=2"],
      connection: "close",
      "x-n": "5",
    }),
  ).toEqual([
    ["content-type", "text/plain"],
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
    ["x-n", "5"],
  ]);
});

test("h2cTrailerBlock lowercases names, joins repeats, and leaves out fields HTTP/2 forbids", () => {
  expect(
    h2cTrailerBlock([
      ["X-Checksum", "c0ffee"],
      ["Server-Timing", "a"],
      ["server-timing", "b"],
      ["Connection", "close"],
      ["TE", "trailers"],
    ]),
  ).toEqual({ "x-checksum": "c0ffee", "server-timing": ["a", "b"] });
  expect(h2cTrailerBlock(null)).toEqual({});
});
