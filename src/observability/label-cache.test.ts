import { describe, expect, test } from "bun:test";
import { LabelCache } from "./label-cache.ts";

describe("LabelCache", () => {
  test("values are found by all five labels, not by a prefix or another order", () => {
    const c = new LabelCache<number>();
    c.set("web", "200", "GET", "http", "", 1);
    c.set("web", "404", "GET", "http", "", 2);
    expect(c.get("web", "200", "GET", "http", "")).toBe(1);
    expect(c.get("web", "404", "GET", "http", "")).toBe(2);
    expect(c.get("web", "200", "GET", "sse", "")).toBeUndefined();
    expect(c.get("200", "web", "GET", "http", "")).toBeUndefined();
    // Labels that a joined key could confuse ("a|b" + "c" vs "a" + "b|c") stay apart.
    c.set("a\u0000b", "c", "", "", "", 3);
    expect(c.get("a", "b\u0000c", "", "", "")).toBeUndefined();
  });

  test("deleteWhere drops the picked values and keeps the rest; clear drops all", () => {
    const c = new LabelCache<{ service: string }>();
    c.set("r1", "svc-a", "200", "GET", "http", { service: "svc-a" });
    c.set("r1", "svc-b", "200", "GET", "http", { service: "svc-b" });
    c.set("r2", "svc-a", "500", "POST", "http", { service: "svc-a" });
    c.deleteWhere((v) => v.service === "svc-a");
    expect(c.get("r1", "svc-a", "200", "GET", "http")).toBeUndefined();
    expect(c.get("r2", "svc-a", "500", "POST", "http")).toBeUndefined();
    expect(c.get("r1", "svc-b", "200", "GET", "http")).toEqual({ service: "svc-b" });
    c.clear();
    expect(c.get("r1", "svc-b", "200", "GET", "http")).toBeUndefined();
  });
});
