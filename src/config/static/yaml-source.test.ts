import { describe, expect, test } from "bun:test";
import type { RawMap } from "./raw.ts";
import { parseYamlSource } from "./yaml-source.ts";

describe("parseYamlSource", () => {
  test("keys and values carry file:line:col", () => {
    const text = "entryPoints:\n  web:\n    address: \":80\"\nping: {}\n";
    const r = parseYamlSource(text, "s.yml");
    expect(r.diagnostics).toEqual([]);
    const eps = r.tree!.entries[0];
    expect(eps.key).toBe("entryPoints");
    expect(eps.keyOrigin).toEqual({ source: "file", file: "s.yml", line: 1, column: 1 });
    const web = (eps.value as RawMap).entries[0];
    const address = (web.value as RawMap).entries[0];
    expect(address.keyOrigin).toMatchObject({ line: 3, column: 5 });
    expect(address.value).toMatchObject({ kind: "scalar", value: ":80", origin: { line: 3, column: 14 } });
    expect(r.tree!.entries[1]).toMatchObject({ key: "ping", value: { kind: "map", entries: [] } });
  });

  test("aliases are followed", () => {
    const r = parseYamlSource("a: &x 5\nb: *x\n", "s.yml");
    expect(r.tree!.entries[1].value).toMatchObject({ kind: "scalar", value: 5 });
  });

  test("an empty file is an empty config", () => {
    expect(parseYamlSource("# nothing\n", "s.yml").tree).toMatchObject({ kind: "map", entries: [] });
  });

  const bad: [string, RegExp, number][] = [
    ["a: 1\nb: [1, 2\n", /invalid YAML: Flow sequence.*end with a \]$/, 3], // reported where input ends
    ["a: 1\na: 2\n", /invalid YAML.*unique/i, 2],
    ["- a\n- b\n", /must be a YAML mapping/, 1],
  ];
  test.each(bad)("%p is reported with its line", (text, message, line) => {
    const r = parseYamlSource(text, "s.yml");
    expect(r.tree).toBeUndefined();
    expect(r.diagnostics[0].message).toMatch(message);
    expect(r.diagnostics[0]).toMatchObject({ severity: "error", file: "s.yml", line });
  });
});
