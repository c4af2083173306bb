import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { defaultCookieName, readCookie, StickyCookie, stickyValue } from "./sticky-cookie.ts";

describe("sticky cookie", () => {
  test("value is the first 16 hex digits of SHA-256 of the target name", () => {
    const full = new Bun.CryptoHasher("sha256").update("http://10.0.0.1:8080/").digest("hex");
    expect(stickyValue("http://10.0.0.1:8080/")).toBe(full.slice(0, 16));
  });

  test("default name: _ + 5 hex of SHA-1('_TRAEFIK_BACKEND_' + service), per service", () => {
    const sha1 = createHash("sha1").update("_TRAEFIK_BACKEND_api@file").digest("hex");
    expect(defaultCookieName("api@file")).toBe(`_${sha1.slice(0, 5)}`);
    expect(defaultCookieName("api@file")).not.toBe(defaultCookieName("web@file"));
  });

  const attrs: { config: Record<string, unknown>; want: string }[] = [
    { config: { name: "lb" }, want: "lb=V; Path=/" },
    { config: { name: "lb", secure: true, httpOnly: true, sameSite: "lax" }, want: "lb=V; Path=/; HttpOnly; Secure; SameSite=Lax" },
    { config: { name: "lb", sameSite: "NONE", maxAge: 60, path: "/app" }, want: "lb=V; Path=/app; Max-Age=60; SameSite=None" },
    { config: { name: "lb", sameSite: "strict", maxAge: -1, domain: "example.com" }, want: "lb=V; Path=/; Domain=example.com; Max-Age=0; SameSite=Strict" },
    { config: { name: "lb", sameSite: "bogus" }, want: "lb=V; Path=/" },
    { config: { name: "my cookie;x" }, want: "my_cookie_x=V; Path=/" },
  ];
  for (const c of attrs) {
    test(`Set-Cookie for ${JSON.stringify(c.config)}`, () => {
      const sticky = new StickyCookie(c.config, "svc", [["t", "T"]]);
      expect(sticky.setCookie("T")).toBe(c.want.replace("=V", `=${stickyValue("t")}`));
    });
  }

  const reads: [string, string, string | undefined][] = [
    ["a=1; lb=xyz; b=2", "lb", "xyz"],
    ["lb=\"quoted\"", "lb", "quoted"],
    ["lbx=1; xlb=2", "lb", undefined],
    ["", "lb", undefined],
    ["lb=first; lb=second", "lb", "first"],
  ];
  for (const [header, name, want] of reads) {
    test(`readCookie(${JSON.stringify(header)})`, () => expect(readCookie(header, name)).toBe(want));
  }

  test("lookup tells current values from ones to rewrite", () => {
    const sticky = new StickyCookie({ name: "lb" }, "svc", [["a", 1], ["b", 2]]);
    expect(sticky.lookup(`lb=${stickyValue("b")}`)).toEqual({ target: 2, current: true });
    expect(sticky.lookup("lb=a")).toEqual({ target: 1, current: false });
    expect(sticky.lookup("lb=nope")).toBeUndefined();
    expect(sticky.lookup(null)).toBeUndefined();
  });
});
