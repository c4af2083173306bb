import { describe, expect, test } from "bun:test";
import { expectedResponse, md5, NonceSigner, parseDigestParams } from "./digest.ts";

describe("parseDigestParams", () => {
  test("a full header, quoted and bare values, escapes", () => {
    const p = parseDigestParams(
      'Digest username="Mu\\"fasa", realm="r, with comma", nonce="n1", uri="/a?b=1", qop=auth, nc=00000001, cnonce="c", response="abc", opaque="o"',
    );
    expect(Object.fromEntries(p!)).toEqual({
      username: 'Mu"fasa',
      realm: "r, with comma",
      nonce: "n1",
      uri: "/a?b=1",
      qop: "auth",
      nc: "00000001",
      cnonce: "c",
      response: "abc",
      opaque: "o",
    });
  });

  test.each([
    [null, null],
    ["Basic abc", null],
    ['Digest username="unterminated', null],
    ['digest  USERNAME="x"', { username: "x" }],
    ["Digest ", {}],
  ])("%p", (header, want) => {
    const p = parseDigestParams(header);
    expect(p ? Object.fromEntries(p) : p).toEqual(want);
  });
});

describe("expectedResponse", () => {
  test("RFC 2617 section 3.5 example", () => {
    const ha1 = md5("Mufasa:testrealm@host.com:Circle Of Life");
    const got = expectedResponse({
      ha1,
      method: "GET",
      uri: "/dir/index.html",
      nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
      nc: "00000001",
      cnonce: "0a4f113b",
      qop: "auth",
    });
    expect(got).toBe("6629fae49393a05397450978507c4ef1");
  });
});

describe("NonceSigner", () => {
  const key = Buffer.alloc(32, 7);
  test("a fresh nonce is valid, then expires", () => {
    let now = 1_000_000;
    const s = new NonceSigner(key, 1000, () => now);
    const n = s.issue();
    expect(s.check(n)).toBe("valid");
    now += 999;
    expect(s.check(n)).toBe("valid");
    now += 1;
    expect(s.check(n)).toBe("expired");
  });

  test("nonces are unique", () => {
    const s = new NonceSigner(key, 1000);
    expect(s.issue()).not.toBe(s.issue());
  });

  test("a tampered or foreign nonce is invalid", () => {
    const now = 5_000;
    const s = new NonceSigner(key, 1000, () => now);
    const n = s.issue();
    const [exp, rnd, mac] = n.split(".");
    expect(s.check(`${(parseInt(exp, 36) + 99999).toString(36)}.${rnd}.${mac}`)).toBe("invalid");
    expect(s.check(`${exp}.${rnd}.${mac.slice(1)}`)).toBe("invalid");
    expect(s.check("garbage")).toBe("invalid");
    expect(new NonceSigner(Buffer.alloc(32, 8), 1000, () => now).check(n)).toBe("invalid");
    // Another signer with the same key (another worker) accepts it.
    expect(new NonceSigner(key, 1000, () => now).check(n)).toBe("valid");
  });
});
