import { describe, expect, test } from "bun:test";
import { fileLocator, locateDiagnostics, locateInYaml, splitKeyPath } from "./locate.ts";

const yaml = [
  "http:", //                          1
  "  routers:", //                     2
  "    api:", //                       3
  "      rule: Host(`a`)", //          4
  "      service: nope", //            5
  "  middlewares:", //                 6
  "    strip:", //                     7
  "      stripPrefix:", //             8
  "        prefixes: [/a, 7]", //      9
  "",
].join("\n");

describe("locateInYaml", () => {
  test.each([
    [["http", "routers", "api", "service"], 5, 16],
    [["http", "routers", "api"], 3, 5],
    [["HTTP", "Routers", "API", "Rule"], 4, 13],
    [["http", "middlewares", "strip", "stripPrefix", "prefixes", "1"], 9, 24],
    // Missing keys point at the deepest part that exists.
    [["http", "routers", "api", "middlewares"], 3, 5],
  ])("%p is at %p:%p", (path, line, column) => {
    expect(locateInYaml(yaml, path)).toEqual({ line, column });
  });
});

describe("locateDiagnostics", () => {
  const locators = new Map([["file", fileLocator([{ file: "/c/a.yml", text: yaml, names: new Set(["http.routers.api", "http.middlewares.strip"]) }])]]);

  test("a qualified key path becomes file:line:col", () => {
    const [d] = locateDiagnostics([{ severity: "error", path: "http.routers.api@file.service", message: "x" }], locators);
    expect(d).toMatchObject({ file: "/c/a.yml", line: 5, column: 16 });
    const [m] = locateDiagnostics([{ severity: "error", path: "http.middlewares.strip@file.stripPrefix.prefixes[1]", message: "x" }], locators);
    expect(m).toMatchObject({ file: "/c/a.yml", line: 9, column: 24 });
  });

  test("unknown providers, names and unqualified paths are left as they are", () => {
    const ds = [
      { severity: "error" as const, path: "http.routers.api@kubernetescrd.service", message: "x" },
      { severity: "error" as const, path: "http.routers.other@file", message: "x" },
      { severity: "error" as const, path: "entryPoints.web", message: "x" },
    ];
    expect(locateDiagnostics(ds, locators)).toEqual(ds);
  });

  test("splitKeyPath", () => {
    expect(splitKeyPath("a.b[2].c")).toEqual(["a", "b", "2", "c"]);
  });
});
