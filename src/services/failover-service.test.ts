import { describe, expect, test } from "bun:test";
import { FailoverService } from "./failover-service.ts";
import { call, FakeService } from "./service-testing.ts";

describe("failover", () => {
  const table = [
    { mainUp: true, fallbackUp: true, follow: false, want: "main" },
    { mainUp: true, fallbackUp: false, follow: true, want: "main" },
    { mainUp: false, fallbackUp: true, follow: false, want: "fallback" },
    { mainUp: false, fallbackUp: false, follow: false, want: "fallback" },
    { mainUp: false, fallbackUp: true, follow: true, want: "fallback" },
    { mainUp: false, fallbackUp: false, follow: true, want: "503" },
  ];
  for (const c of table) {
    test(`main ${c.mainUp ? "up" : "down"}, fallback ${c.fallbackUp ? "up" : "down"}${c.follow ? " (followed)" : ""} → ${c.want}`, async () => {
      const main = new FakeService("main");
      const fallback = new FakeService("fallback");
      main.up = c.mainUp;
      fallback.up = c.fallbackUp;
      const res = await call(new FailoverService("fo", main, fallback, c.follow));
      expect(c.want === "503" ? String(res.status) : await res.text()).toBe(c.want);
    });
  }

  test("switches to the fallback when main goes down and back when it recovers", async () => {
    const main = new FakeService("main");
    const fallback = new FakeService("fallback");
    const fo = new FailoverService("fo", main, fallback, true);
    const seen: string[] = [];
    for (const up of [true, false, false, true]) {
      main.up = up;
      seen.push(await (await call(fo)).text());
    }
    expect(seen).toEqual(["main", "fallback", "fallback", "main"]);
    main.up = false;
    fallback.up = false;
    expect(fo.isUp()).toBe(false);
  });

  test("raw path only when both sides have one", () => {
    const raw = () => {};
    const withRaw = () => Object.assign(new FakeService("x"), { raw });
    expect(new FailoverService("fo", withRaw(), withRaw(), false).raw).toBeDefined();
    expect(new FailoverService("fo", withRaw(), new FakeService("y"), false).raw).toBeUndefined();
  });
});
