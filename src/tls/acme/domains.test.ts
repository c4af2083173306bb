import { describe, expect, test } from "bun:test";
import { domainSetKey, domainSetProblems, nameCovers, normalizeDomainSet, setCovers } from "./domains.ts";

describe("domain sets", () => {
  test("normalize lowercases, drops trailing dots and duplicates", () => {
    expect(normalizeDomainSet({ main: "A.Example.COM.", sans: ["b.example.com", "a.example.com", "B.example.com"] })).toEqual({
      main: "a.example.com",
      sans: ["b.example.com"],
    });
  });

  test("the key ignores SAN order but not the main name", () => {
    expect(domainSetKey("r", { main: "a.x", sans: ["b.x", "c.x"] })).toBe(domainSetKey("r", { main: "a.x", sans: ["c.x", "b.x"] }));
    expect(domainSetKey("r", { main: "a.x", sans: ["b.x"] })).not.toBe(domainSetKey("r", { main: "b.x", sans: ["a.x"] }));
    expect(domainSetKey("r", { main: "a.x", sans: [] })).not.toBe(domainSetKey("s", { main: "a.x", sans: [] }));
  });

  const cases: Array<[string, string[], boolean, string | null]> = [
    ["a.example.com", [], false, null],
    ["*.example.com", [], true, null],
    ["*.example.com", [], false, "dnsChallenge"],
    ["a.example.com", ["*.b.example.com"], false, "dnsChallenge"],
    ["*.*.example.com", [], true, "only one wildcard"],
    ["a.*.example.com", [], true, "only one wildcard"],
    ["bad_name.example.com", [], true, "not a valid domain"],
    ["-a.example.com", [], true, "not a valid domain"],
  ];
  for (const [main, sans, dns, want] of cases) {
    test(`problems for ${main} ${sans.join(",")} dns=${dns}`, () => {
      const got = domainSetProblems({ main, sans }, { dns }).join("; ");
      if (want === null) expect(got).toBe("");
      else expect(got).toContain(want);
    });
  }

  const covers: Array<[string, string, boolean]> = [
    ["a.x.com", "a.x.com", true],
    ["*.x.com", "a.x.com", true],
    ["*.x.com", "x.com", false],
    ["*.x.com", "a.b.x.com", false],
    ["*.x.com", "*.x.com", true],
    ["a.x.com", "b.x.com", false],
  ];
  for (const [pattern, name, want] of covers) {
    test(`${pattern} covers ${name}: ${want}`, () => expect(nameCovers(pattern, name)).toBe(want));
  }

  test("a wildcard + apex certificate covers a subdomain set", () => {
    expect(setCovers({ main: "*.x.com", sans: ["x.com"] }, { main: "x.com", sans: ["www.x.com"] })).toBe(true);
    expect(setCovers({ main: "*.x.com", sans: [] }, { main: "x.com", sans: [] })).toBe(false);
  });
});
