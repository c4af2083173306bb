import { describe, expect, test } from "bun:test";
import { parseOptions } from "./options.ts";

describe("bench options", () => {
  test("defaults", () => {
    const o = parseOptions([]);
    expect(o.duration).toBe(10);
    expect(o.rounds).toBe(3);
    expect(o.cases).toEqual(["tiny", "1m", "1g", "routes", "chain", "https", "handshakes", "h2"]);
    expect(o.targets).toEqual(["nginx", "sluice"]);
    expect(o.out).toBe(".tmp/bench-result.json");
  });

  test("flags", () => {
    const o = parseOptions(["--duration=3", "--rounds=5", "--cases=tiny,routes", "--only=nginx", "--out=x/y.json", "--keep"]);
    expect(o).toEqual({ duration: 3, rounds: 5, cases: ["tiny", "routes"], targets: ["nginx"], out: "x/y.json", keep: true });
    expect(parseOptions(["--sluice=dist/sluice", "--only=sluice"])).toMatchObject({ sluice: "dist/sluice", targets: ["sluice"] });
    expect(parseOptions(["--cases=https,handshakes,h2"]).cases).toEqual(["https", "handshakes", "h2"]);
  });

  test.each([["--duration=0"], ["--duration=abc"], ["--rounds=-1"], ["--cases=tiny,huge"], ["--cases=tls"], ["--cases="], ["--only=haproxy"], ["--out="], ["--sluice="], ["--bogus"]])(
    "%p is refused",
    (flag) => {
      expect(() => parseOptions([flag])).toThrow();
    },
  );
});
