import { describe, expect, test } from "bun:test";
import { buildFields, canonicalHeader, FieldSelector, splitHostPort } from "./access-log-fields.ts";
import { clfTime, formatCommon, formatCommonDefault, formatJson, rfc3339 } from "./access-log-format.ts";
import { AccessLog } from "./access-log.ts";
import { finishedContext } from "./test-context.ts";
import type { AccessLogConfig } from "../config/static/types.ts";

const keepHeaders: AccessLogConfig["fields"] = {
  defaultMode: "keep",
  names: {},
  headers: { defaultMode: "keep", names: {} },
};

describe("common log format", () => {
  test("exact line with Traefik's defaults (headers dropped → referer and agent print \"-\")", () => {
    const line = formatCommon(buildFields(finishedContext(), 7, new FieldSelector(undefined)));
    expect(line).toBe(
      `10.0.0.1 - - [25/Nov/2026:09:00:00 +0000] "GET /api/items?x=1 HTTP/1.1" 200 42 "-" "-" 7 "api@file" "http://10.0.0.2:9000" 5ms\n`,
    );
  });

  test("kept headers, username, downstream status and size (not the origin's)", () => {
    const ctx = finishedContext({
      clientUsername: "alice",
      originStatus: 200,
      originContentSize: 1000,
      downstreamStatus: 304,
      downstreamContentSize: 0,
      durationMs: 1234.99,
    });
    const line = formatCommon(buildFields(ctx, 1, new FieldSelector(keepHeaders)));
    expect(line).toBe(
      `10.0.0.1 - alice [25/Nov/2026:09:00:00 +0000] "GET /api/items?x=1 HTTP/1.1" 304 0 "http://ref.test/" "curl/8.0" 1 "api@file" "http://10.0.0.2:9000" 1234ms\n`,
    );
  });

  test("headers come from the raw front's field list when only listed ones are logged", () => {
    const ctx = finishedContext({
      requestHeaders: new Headers({ referer: "http://wrong.test/" }),
      requestHeaderList: [["referer", "http://ref.test/"], ["User-Agent", "curl/8.0"], ["user-agent", "x"]],
    });
    const listed = new FieldSelector({ defaultMode: "keep", names: {}, headers: { defaultMode: "drop", names: { Referer: "keep", "User-Agent": "keep" } } });
    const fields = buildFields(ctx, 1, listed);
    expect(fields["request_Referer"]).toBe("http://ref.test/");
    expect(fields["request_User-Agent"]).toBe("curl/8.0, x");
  });

  test("all headers kept: built from the raw front's field list when there is no Headers object", () => {
    const ctx = finishedContext({ requestHeaders: undefined, requestHeaderList: [["X-Trace", "t1"], ["user-agent", "curl/8.0"]] });
    const fields = buildFields(ctx, 1, new FieldSelector(keepHeaders));
    expect(fields["request_X-Trace"]).toBe("t1");
    expect(fields["request_User-Agent"]).toBe("curl/8.0");
  });

  test("no route: router and service URL print \"-\", origin fields absent", () => {
    const ctx = finishedContext({
      routerName: undefined,
      serviceName: undefined,
      serviceUrl: undefined,
      serviceAddr: undefined,
      originStatus: undefined,
      originContentSize: undefined,
      originDurationMs: undefined,
      downstreamStatus: 404,
      downstreamContentSize: 19,
      durationMs: 0.2,
    });
    const line = formatCommon(buildFields(ctx, 3, new FieldSelector(undefined)));
    expect(line).toEndWith(`" 404 19 "-" "-" 3 "-" "-" 0ms\n`);
  });

  test("dropped fields print their defaults; dropped StartUTC falls back to local time", () => {
    const sel = new FieldSelector({
      defaultMode: "keep",
      names: { clienthost: "drop", StartUTC: "drop", RequestCount: "drop", Duration: "drop" },
      headers: { defaultMode: "drop", names: {} },
    });
    const ctx = finishedContext();
    const line = formatCommon(buildFields(ctx, 9, sel));
    expect(line).toStartWith(`- - - [${clfTime(ctx.startMs, true)}] "GET`);
    expect(line).toEndWith(` - "api@file" "http://10.0.0.2:9000" 0ms\n`);
  });
});

describe("time layouts", () => {
  test.each([
    [Date.UTC(2009, 10, 10, 23, 0, 0), "10/Nov/2009:23:00:00 +0000"],
    [Date.UTC(2026, 0, 2, 3, 4, 5, 999), "02/Jan/2026:03:04:05 +0000"],
  ])("clfTime(%p) UTC", (ms, want) => {
    expect(clfTime(ms, false)).toBe(want);
  });

  test("consecutive lines: the same second reuses its text, the next second gets its own", () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 10);
    expect(clfTime(t, false)).toBe("02/Jan/2026:03:04:05 +0000");
    expect(clfTime(t + 980, false)).toBe("02/Jan/2026:03:04:05 +0000");
    expect(clfTime(t + 990, false)).toBe("02/Jan/2026:03:04:06 +0000");
    expect(clfTime(t - 20, false)).toBe("02/Jan/2026:03:04:04 +0000");
    expect(clfTime(t, false)).toBe("02/Jan/2026:03:04:05 +0000");
  });

  test.each([
    [Date.UTC(2026, 10, 25, 9, 0, 0, 0), true, "2026-11-25T09:00:00Z"],
    [Date.UTC(2026, 10, 25, 9, 0, 0, 120), true, "2026-11-25T09:00:00.12Z"],
    [Date.UTC(2026, 10, 25, 9, 0, 0, 123), false, "2026-11-25T09:00:00Z"],
  ])("rfc3339(%p, fraction=%p)", (ms, frac, want) => {
    expect(rfc3339(ms, false, frac)).toBe(want);
  });

  test("local time carries the local offset", () => {
    const ms = Date.UTC(2026, 10, 25, 9, 0, 0);
    const east = -new Date(ms).getTimezoneOffset();
    const text = clfTime(ms, true);
    const sign = east < 0 ? "-" : "+";
    const hh = String(Math.floor(Math.abs(east) / 60)).padStart(2, "0");
    const mm = String(Math.abs(east) % 60).padStart(2, "0");
    expect(text).toEndWith(` ${sign}${hh}${mm}`);
  });
});

describe("JSON format", () => {
  const now = Date.UTC(2026, 10, 25, 9, 0, 1);

  test("Traefik's field names and value types, logrus keys, sorted", () => {
    const ctx = finishedContext({ retryAttempts: 2, requestContentSize: 17 });
    const line = formatJson(buildFields(ctx, 11, new FieldSelector(undefined)), now);
    expect(line.endsWith("}\n")).toBe(true);
    const obj = JSON.parse(line) as Record<string, unknown>;
    expect(obj).toMatchObject({
      StartUTC: "2026-11-25T09:00:00.123Z",
      Duration: 5_750_000,
      OriginDuration: 4_500_000,
      Overhead: 1_250_000,
      RouterName: "api@file",
      ServiceName: "api@file",
      ServiceURL: "http://10.0.0.2:9000",
      ServiceAddr: "10.0.0.2:9000",
      ClientAddr: "10.0.0.1:51234",
      ClientHost: "10.0.0.1",
      ClientPort: "51234",
      ClientUsername: "-",
      RequestAddr: "example.test:8080",
      RequestHost: "example.test",
      RequestPort: "8080",
      RequestMethod: "GET",
      RequestPath: "/api/items?x=1",
      RequestProtocol: "HTTP/1.1",
      RequestScheme: "http",
      RequestContentSize: 17,
      RequestCount: 11,
      OriginContentSize: 42,
      OriginStatus: 200,
      DownstreamStatus: 200,
      DownstreamContentSize: 42,
      RetryAttempts: 2,
      level: "info",
      msg: "",
    });
    expect(typeof obj.StartLocal).toBe("string");
    expect(String(obj.time)).toStartWith("2026-11-25T");
    const keys = Object.keys(obj);
    expect(keys).toEqual([...keys].sort());
    // Headers are dropped by default.
    expect(keys.some((k) => k.startsWith("request_"))).toBe(false);
  });

  test("GzipRatio appears when origin and downstream sizes differ", () => {
    const ctx = finishedContext({ originContentSize: 300, downstreamContentSize: 100 });
    const obj = JSON.parse(formatJson(buildFields(ctx, 1, new FieldSelector(undefined)), now));
    expect(obj.GzipRatio).toBe(3);
  });

  test.each([['/q="x"\\y'], ["/caf\u00e9\u2028"], ["/tab\there"]])("strings needing escapes round-trip: %p", (path) => {
    const line = formatJson(buildFields(finishedContext({ path }), 1, new FieldSelector(undefined)), now);
    expect(JSON.parse(line).RequestPath).toBe(path);
    expect(line.split("\n").length).toBe(2);
  });

  test("HTML-sensitive characters are escaped as Go does", () => {
    const ctx = finishedContext({ path: "/a?b=<x>&c" });
    const line = formatJson(buildFields(ctx, 1, new FieldSelector(undefined)), now);
    expect(line).toContain(`"RequestPath":"/a?b=\\u003cx\\u003e\\u0026c"`);
    expect(JSON.parse(line).RequestPath).toBe("/a?b=<x>&c");
  });
});

describe("field and header selection", () => {
  test("names: drop and redact, case-insensitive; defaultMode drop keeps only listed", () => {
    const sel = new FieldSelector({
      defaultMode: "keep",
      names: { clientusername: "drop", ClientHost: "redact" },
      headers: { defaultMode: "drop", names: {} },
    });
    const f = buildFields(finishedContext({ clientUsername: "bob" }), 1, sel);
    expect(f.ClientUsername).toBeUndefined();
    expect(f.ClientHost).toBe("REDACTED");
    expect(f.RequestMethod).toBe("GET");

    const only = new FieldSelector({ defaultMode: "drop", names: { RequestPath: "keep" }, headers: { defaultMode: "drop", names: {} } });
    expect(Object.keys(buildFields(finishedContext(), 1, only))).toEqual(["RequestPath"]);
  });

  test.each([
    ["drop default, names keep/redact", { defaultMode: "drop", names: { "user-agent": "keep", "X-CUSTOM": "redact" } }, { "request_User-Agent": "curl/8.0", "request_X-Custom": "REDACTED" }],
    ["keep default, one dropped", { defaultMode: "keep", names: { referer: "drop", "x-custom": "drop" } }, { "request_User-Agent": "curl/8.0", "downstream_Content-Type": "text/plain", "origin_Content-Type": "text/plain" }],
    ["redact default, one kept", { defaultMode: "redact", names: { "Content-Type": "keep" } }, { "request_User-Agent": "REDACTED", request_Referer: "REDACTED", "request_X-Custom": "REDACTED", "downstream_Content-Type": "text/plain", "origin_Content-Type": "text/plain" }],
  ] as const)("headers: %s", (_name, headers, want) => {
    const sel = new FieldSelector({ defaultMode: "keep", names: {}, headers: { defaultMode: headers.defaultMode, names: { ...headers.names } } });
    const f = buildFields(finishedContext(), 1, sel);
    const got = Object.fromEntries(Object.entries(f).filter(([k]) => /^(request|origin|downstream)_/.test(k)));
    expect(got).toEqual(want as Record<string, string>);
  });

  test.each([
    ["user-agent", "User-Agent"],
    ["x-forwarded-for", "X-Forwarded-For"],
    ["CONTENT-TYPE", "Content-Type"],
  ])("canonicalHeader(%p) = %p", (input, want) => {
    expect(canonicalHeader(input)).toBe(want);
  });

  test.each([
    ["example.test:8080", ["example.test", "8080"]],
    ["example.test", ["example.test", "-"]],
    ["[::1]:443", ["::1", "443"]],
    ["::1", ["::1", "-"]],
  ])("splitHostPort(%p)", (input, want) => {
    expect(splitHostPort(input)).toEqual(want as [string, string]);
  });
});

describe("common log format straight from the context (default fields)", () => {
  const contexts = [
    finishedContext(),
    finishedContext({ routerName: undefined, serviceUrl: undefined, originStatus: undefined, originContentSize: undefined }),
    finishedContext({ clientUsername: "alice", downstreamStatus: 404, downstreamContentSize: 0, durationMs: 0.4 }),
    finishedContext({ clientHost: "", method: "", path: "", protocol: "", durationMs: undefined }),
    finishedContext({ clientHost: "::1", protocol: "HTTP/2.0", durationMs: 12_345.6789, startMs: Date.UTC(2026, 0, 1, 23, 59, 59, 999) }),
  ];
  test.each(contexts.map((c, i) => [i, c] as const))("context %p: the same line as the field table gives", (_i, ctx) => {
    const table = formatCommon(buildFields(ctx, 7, new FieldSelector(undefined)));
    expect(formatCommonDefault(ctx, 7)).toBe(table);
  });

  test("the access log takes it only with the default fields", () => {
    const lines: string[] = [];
    const ctx = finishedContext();
    new AccessLog({ format: "common", bufferingSize: 0 }, (c) => void lines.push(c), { maxDelayMs: 0 }).log(ctx);
    const kept: string[] = [];
    const withHeaders: AccessLogConfig = { format: "common", bufferingSize: 0, fields: { defaultMode: "keep", names: {}, headers: { defaultMode: "drop", names: { "User-Agent": "keep" } } } };
    new AccessLog(withHeaders, (c) => void kept.push(c), { maxDelayMs: 0 }).log(ctx);
    return Bun.sleep(5).then(() => {
      expect(lines[0]).toContain('"-" "-"');
      expect(kept[0]).toContain('"-" "curl/8.0"');
    });
  });
});
