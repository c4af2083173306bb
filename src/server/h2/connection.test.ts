import { describe, expect, test } from "bun:test";
import { H2Connection } from "./connection.ts";
import { ErrorCode, Flag, frame, FrameType, PREFACE, Setting, settingsFrame, windowUpdateFrame } from "./frames.ts";
import { encodeFieldBlock, HpackDecoder } from "./hpack.ts";
import type { H2Stream } from "./stream.ts";

// The connection driven frame by frame through an in-memory transport:
// what a client sends is built here, what the server writes is parsed back.

interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

function parseFrames(bytes: Buffer): Frame[] {
  const out: Frame[] = [];
  let pos = 0;
  while (pos + 9 <= bytes.length) {
    const len = bytes.readUIntBE(pos, 3);
    out.push({ type: bytes[pos + 3], flags: bytes[pos + 4], stream: bytes.readUInt32BE(pos + 5) & 0x7fffffff, payload: bytes.subarray(pos + 9, pos + 9 + len) });
    pos += 9 + len;
  }
  return out;
}

function setup(opts: { maxConcurrentStreams?: number; clientSettings?: Array<[number, number]> } = {}) {
  const writes: Buffer[] = [];
  const streams: H2Stream[] = [];
  const rejected: number[] = [];
  let ended = false;
  const conn = new H2Connection(
    { write: (d) => (writes.push(Buffer.from(d)), true), end: () => (ended = true), destroy: () => (ended = true) },
    { onStream: (s) => streams.push(s), onRejected: (status) => rejected.push(status), remoteAddress: "127.0.0.1", maxConcurrentStreams: opts.maxConcurrentStreams },
  );
  conn.onData(Buffer.concat([PREFACE, settingsFrame(opts.clientSettings ?? [])]));
  const decoder = new HpackDecoder();
  let seen = 0;
  return {
    conn,
    streams,
    rejected,
    get ended() {
      return ended;
    },
    writes,
    send: (...frames: Buffer[]) => conn.onData(Buffer.concat(frames)),
    /** Frames written since the last call. */
    out(): Frame[] {
      const fresh = writes.slice(seen);
      seen = writes.length;
      return parseFrames(Buffer.concat(fresh));
    },
    fields: (f: Frame) => decoder.decode(f.payload, 1 << 20),
  };
}

const GET = (path = "/", extra: Array<[string, string]> = []) =>
  encodeFieldBlock(null, [[":method", "GET"], [":scheme", "https"], [":path", path], [":authority", "a.test"], ...extra]);
const headers = (id: number, block: Uint8Array, flags = Flag.END_HEADERS | Flag.END_STREAM) => frame(FrameType.HEADERS, flags, id, block);
const tick = () => new Promise((r) => setImmediate(r));

describe("HTTP/2 connection", () => {
  test("announces its settings, acknowledges the client's, answers PING", () => {
    const c = setup();
    const first = c.out();
    expect(first[0].type).toBe(FrameType.SETTINGS);
    expect(first.some((f) => f.type === FrameType.SETTINGS && f.flags === Flag.ACK)).toBe(true);
    c.send(frame(FrameType.PING, 0, 0, Buffer.from("12345678")));
    const [pong] = c.out();
    expect([pong.type, pong.flags, pong.payload.toString()]).toEqual([FrameType.PING, Flag.ACK, "12345678"]);
  });

  test("a request becomes a stream; the response leaves as HEADERS + DATA with END_STREAM, in one write", () => {
    const c = setup();
    c.out();
    c.send(headers(1, GET("/x?y=1", [["cookie", "a=1"], ["cookie", "b=2"], ["user-agent", "t"]])));
    const s = c.streams[0];
    expect([s.head.method, s.head.path, s.head.host, s.head.body]).toEqual(["GET", "/x?y=1", "a.test", "none"]);
    expect(s.head.headers).toEqual([["host", "a.test"], ["user-agent", "t"], ["cookie", "a=1; b=2"]]);
    const before = c.writes.length;
    s.writeHead(200, "OK", [["Content-Type", "text/plain"], ["Connection", "keep-alive"]], { contentLength: 5 });
    s.end(Buffer.from("hello"));
    return tick().then(() => {
      expect(c.writes.length).toBe(before + 1);
      const [h, d] = c.out();
      expect(h.type).toBe(FrameType.HEADERS);
      expect(c.fields(h)).toEqual([[":status", "200"], ["content-type", "text/plain"], ["content-length", "5"]]);
      expect([d.type, d.flags & Flag.END_STREAM, d.payload.toString()]).toEqual([FrameType.DATA, Flag.END_STREAM, "hello"]);
      expect(c.conn.activeStreams).toBe(0);
    });
  });

  test("a response with no body ends on its HEADERS frame", async () => {
    const c = setup();
    c.out();
    c.send(headers(1, GET()));
    c.streams[0].writeHead(204, "No Content", []);
    c.streams[0].end();
    await tick();
    const out = c.out();
    expect(out.length).toBe(1);
    expect(out[0].flags & Flag.END_STREAM).toBe(Flag.END_STREAM);
  });

  test("request bodies: DATA reaches the consumer, window comes back, content-length is enforced", () => {
    const c = setup();
    c.out();
    c.send(headers(1, encodeFieldBlock(null, [[":method", "POST"], [":scheme", "https"], [":path", "/"], [":authority", "a"], ["content-length", "6"]]), Flag.END_HEADERS));
    const s = c.streams[0];
    const got: string[] = [];
    let ended = false;
    s.readBody((chunk) => got.push(Buffer.from(chunk).toString()), () => (ended = true));
    c.send(frame(FrameType.DATA, 0, 1, Buffer.from("abc")), frame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.from("def")));
    expect([got.join(""), ended]).toEqual(["abcdef", true]);
    const updates = c.out().filter((f) => f.type === FrameType.WINDOW_UPDATE);
    expect(updates.some((f) => f.stream === 0)).toBe(true);
    // A body longer than its content-length resets the stream.
    c.send(headers(3, encodeFieldBlock(null, [[":method", "POST"], [":scheme", "https"], [":path", "/"], [":authority", "a"], ["content-length", "2"]]), Flag.END_HEADERS));
    let aborted = "";
    c.streams[1].onAbort = (r) => (aborted = r);
    c.send(frame(FrameType.DATA, 0, 3, Buffer.from("toolong")));
    const rst = c.out().find((f) => f.type === FrameType.RST_STREAM);
    expect([rst?.stream, rst?.payload.readUInt32BE(0)]).toEqual([3, ErrorCode.PROTOCOL_ERROR]);
    expect(aborted).toContain("content-length");
  });

  test("flow control: the peer's window holds DATA back until WINDOW_UPDATE, then onDrain", () => {
    const c = setup({ clientSettings: [[Setting.INITIAL_WINDOW_SIZE, 4]] });
    c.out();
    c.send(headers(1, GET()));
    const s = c.streams[0];
    let drained = 0;
    s.onDrain = () => drained++;
    s.writeHead(200, "OK", []);
    expect(s.write(Buffer.from("0123456789"))).toBe(false);
    s.end();
    c.send(frame(FrameType.PING, 0, 0, Buffer.alloc(8)));
    const data = c.out().filter((f) => f.type === FrameType.DATA);
    expect(data.map((f) => f.payload.toString())).toEqual(["0123"]);
    c.send(windowUpdateFrame(1, 100));
    const rest = c.out().filter((f) => f.type === FrameType.DATA);
    expect(rest.map((f) => f.payload.toString()).join("")).toBe("456789");
    expect(rest.at(-1)!.flags & Flag.END_STREAM).toBe(Flag.END_STREAM);
    expect(drained).toBe(1);
  });

  test("malformed requests get 400 (upper-case name, connection field, missing :path); CONNECT 501", () => {
    const c = setup();
    c.out();
    const bad = [
      encodeFieldBlock(null, [[":method", "GET"], [":scheme", "https"], [":path", "/"], ["X-Upper", "1"]]),
      encodeFieldBlock(null, [[":method", "GET"], [":scheme", "https"], [":path", "/"], ["connection", "close"]]),
      encodeFieldBlock(null, [[":method", "GET"], [":scheme", "https"]]),
      encodeFieldBlock(null, [[":method", "CONNECT"], [":authority", "a:443"]]),
    ];
    bad.forEach((b, i) => c.send(headers(1 + 2 * i, b)));
    expect(c.streams.length).toBe(0);
    expect(c.rejected).toEqual([400, 400, 400, 501]);
    const statuses = c.out().filter((f) => f.type === FrameType.HEADERS).map((f) => c.fields(f)![0][1]);
    expect(statuses).toEqual(["400", "400", "400", "501"]);
  });

  test("streams beyond the announced limit are refused", () => {
    const c = setup({ maxConcurrentStreams: 2 });
    c.out();
    c.send(headers(1, GET()), headers(3, GET()), headers(5, GET()));
    expect(c.streams.length).toBe(2);
    const rst = c.out().find((f) => f.type === FrameType.RST_STREAM);
    expect([rst?.stream, rst?.payload.readUInt32BE(0)]).toEqual([5, ErrorCode.REFUSED_STREAM]);
  });

  test("a header block split over CONTINUATION frames", () => {
    const c = setup();
    c.out();
    const block = GET("/split");
    c.send(frame(FrameType.HEADERS, Flag.END_STREAM, 1, block.subarray(0, 5)), frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block.subarray(5)));
    expect(c.streams[0].head.path).toBe("/split");
  });

  test("connection errors end in GOAWAY: no SETTINGS first, a frame between HEADERS and CONTINUATION, a bad preface", () => {
    for (const bytes of [
      Buffer.concat([PREFACE, frame(FrameType.PING, 0, 0, Buffer.alloc(8))]),
      Buffer.concat([PREFACE, settingsFrame([]), frame(FrameType.HEADERS, 0, 1, GET()), frame(FrameType.PING, 0, 0, Buffer.alloc(8))]),
      Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
    ]) {
      const writes: Buffer[] = [];
      let ended = false;
      const conn = new H2Connection({ write: (d) => (writes.push(Buffer.from(d)), true), end: () => (ended = true), destroy: () => {} }, { onStream: () => {}, remoteAddress: "x" });
      conn.onData(bytes);
      const goaway = parseFrames(Buffer.concat(writes)).find((f) => f.type === FrameType.GOAWAY);
      expect(goaway?.payload.readUInt32BE(4)).toBe(ErrorCode.PROTOCOL_ERROR);
      expect(ended).toBe(true);
    }
  });

  test("a client reset aborts the stream; a flood of resets closes the connection", () => {
    const c = setup();
    c.out();
    c.send(headers(1, GET()));
    let why = "";
    c.streams[0].onAbort = (r) => (why = r);
    c.send(frame(FrameType.RST_STREAM, 0, 1, Buffer.from([0, 0, 0, 8])));
    expect(why).toContain("reset");
    const flood: Buffer[] = [];
    for (let id = 3; id < 3 + 2 * 1100; id += 2) flood.push(headers(id, GET()), frame(FrameType.RST_STREAM, 0, id, Buffer.from([0, 0, 0, 8])));
    c.send(...flood);
    const goaway = c.out().find((f) => f.type === FrameType.GOAWAY);
    expect(goaway?.payload.readUInt32BE(4)).toBe(ErrorCode.ENHANCE_YOUR_CALM);
    expect(c.ended).toBe(true);
  });

  test("shutdown: GOAWAY, new streams refused, the open one finishes, then the socket ends", async () => {
    const c = setup();
    c.out();
    c.send(headers(1, GET()));
    c.conn.shutdown();
    expect(c.out().some((f) => f.type === FrameType.GOAWAY)).toBe(true);
    c.send(headers(3, GET()));
    expect(c.streams.length).toBe(1);
    expect(c.ended).toBe(false);
    c.streams[0].end(Buffer.from("bye"));
    await tick();
    expect(c.ended).toBe(true);
  });

  test("idle: with no stream open the connection says GOAWAY and closes; with one it stays", () => {
    const busy = setup();
    busy.send(headers(1, GET()));
    busy.conn.idle();
    expect(busy.ended).toBe(false);
    const quiet = setup();
    quiet.out();
    quiet.conn.idle();
    expect(quiet.out().map((f) => f.type)).toEqual([FrameType.GOAWAY]);
    expect(quiet.ended).toBe(true);
  });

  test("a PING flood from a client that does not read its answers closes the connection", () => {
    const writes: Buffer[] = [];
    let ended = false;
    // A transport whose buffer is full from the first write on: the client is not reading.
    const conn = new H2Connection({ write: (d) => (writes.push(Buffer.from(d)), false), end: () => (ended = true), destroy: () => {} }, { onStream: () => {}, remoteAddress: "x" });
    conn.onData(Buffer.concat([PREFACE, settingsFrame([])]));
    const pings = Array.from({ length: 1200 }, () => frame(FrameType.PING, 0, 0, Buffer.alloc(8)));
    conn.onData(Buffer.concat(pings));
    const goaway = parseFrames(Buffer.concat(writes)).find((f) => f.type === FrameType.GOAWAY);
    expect(goaway?.payload.readUInt32BE(4)).toBe(ErrorCode.ENHANCE_YOUR_CALM);
    expect(ended).toBe(true);
  });

  test("padded HEADERS with priority, padded DATA, and request trailers", () => {
    const c = setup();
    c.out();
    const block = encodeFieldBlock(null, [[":method", "POST"], [":scheme", "https"], [":path", "/p"], [":authority", "a"]]);
    // Pad length 3, then 5 octets of priority, the block, 3 octets of padding.
    const padded = Buffer.concat([Buffer.from([3]), Buffer.from([0, 0, 0, 0, 16]), block, Buffer.alloc(3)]);
    c.send(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.PADDED | Flag.PRIORITY, 1, padded));
    const s = c.streams[0];
    expect([s.head.path, s.head.body]).toEqual(["/p", "chunked"]);
    const got: string[] = [];
    let trailers: unknown = undefined;
    s.readBody((chunk) => got.push(Buffer.from(chunk).toString()), (t) => (trailers = t));
    c.send(frame(FrameType.DATA, Flag.PADDED, 1, Buffer.concat([Buffer.from([2]), Buffer.from("body"), Buffer.alloc(2)])));
    c.send(headers(1, encodeFieldBlock(null, [["x-checksum", "abc"]])));
    expect(got).toEqual(["body"]);
    expect(trailers).toEqual([["x-checksum", "abc"]]);
  });

  test("a response head above the frame size goes out as HEADERS + CONTINUATION", async () => {
    const c = setup();
    c.out();
    c.send(headers(1, GET()));
    const big = "x".repeat(20_000);
    c.streams[0].writeHead(200, "OK", [["x-big", big]]);
    c.streams[0].end();
    await tick();
    const out = c.out();
    expect(out.map((f) => [f.type, f.flags & Flag.END_HEADERS])).toEqual([
      [FrameType.HEADERS, 0],
      [FrameType.CONTINUATION, Flag.END_HEADERS],
      [FrameType.DATA, 0],
    ]);
    expect(out[2].flags & Flag.END_STREAM).toBe(Flag.END_STREAM);
    expect(c.fields({ ...out[0], payload: Buffer.concat([out[0].payload, out[1].payload]) })).toEqual([[":status", "200"], ["x-big", big]]);
  });

  test("readTimeout and writeTimeout per stream: the late stream is reset and its exchange aborted", async () => {
    const c = setup({ maxConcurrentStreams: 7 });
    const settings = c.out()[0];
    expect(settings.payload.subarray(0, 6)).toEqual(Buffer.from([0, Setting.MAX_CONCURRENT_STREAMS, 0, 0, 0, 7]));
    // 1: its body never ends (read timeout); 3 and 5: requests done, responses never end (write timeout).
    c.send(headers(1, GET(), Flag.END_HEADERS), headers(3, GET()), headers(5, GET()));
    const why: string[] = [];
    for (const s of c.streams) s.onAbort = (r) => why.push(`${s.id} ${r}`);
    const opened = c.streams[0].openedAt;
    c.conn.checkTimeouts(opened + 500, 1000, 2000);
    expect(why).toEqual([]);
    c.conn.checkTimeouts(opened + 1500, 1000, 2000);
    c.conn.checkTimeouts(opened + 2500, 1000, 0);
    expect(why).toEqual(["1 request read timeout"]);
    c.conn.checkTimeouts(opened + 2500, 1000, 2000);
    expect(why).toEqual(["1 request read timeout", "3 response write timeout", "5 response write timeout"]);
    await tick();
    const resets = c.out().filter((f) => f.type === FrameType.RST_STREAM);
    expect(resets.map((f) => [f.stream, f.payload.readUInt32BE(0)])).toEqual([[1, ErrorCode.CANCEL], [3, ErrorCode.CANCEL], [5, ErrorCode.CANCEL]]);
  });

  test("a response that ends before the request body: the rest is read and dropped with window given back, no reset", async () => {
    const c = setup();
    c.out();
    c.send(headers(1, encodeFieldBlock(null, [[":method", "POST"], [":scheme", "https"], [":path", "/"], [":authority", "a"], ["content-length", "10"]]), Flag.END_HEADERS));
    const s = c.streams[0];
    s.writeHead(502, "Bad Gateway", [], { contentLength: 3 });
    s.end(Buffer.from("bad"));
    await tick();
    expect(c.out().some((f) => f.type === FrameType.RST_STREAM)).toBe(false);
    c.send(frame(FrameType.DATA, 0, 1, Buffer.alloc(6)));
    const update = c.out().find((f) => f.type === FrameType.WINDOW_UPDATE && f.stream === 1);
    expect(update?.payload.readUInt32BE(0)).toBe(6);
    expect(c.conn.activeStreams).toBe(1);
    c.send(frame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.alloc(4)));
    expect(c.conn.activeStreams).toBe(0);
    expect(c.out().some((f) => f.type === FrameType.RST_STREAM)).toBe(false);
  });
});
