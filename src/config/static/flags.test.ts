import { describe, expect, test } from "bun:test";
import { parseFlags, splitFlagPath } from "./flags.ts";
import type { RawMap, RawNode } from "./raw.ts";
import { STATIC_SCHEMA } from "./static-schema.ts";

/** Value at a case-insensitive dotted path in a raw tree, as plain data. */
function at(tree: RawMap | undefined, path: string): unknown {
  let node: RawNode | undefined = tree;
  for (const seg of path.split(".")) {
    if (!node || node.kind !== "map") return undefined;
    node = node.entries.find((e) => e.key.toLowerCase() === seg.toLowerCase())?.value;
  }
  if (!node) return undefined;
  return node.kind === "scalar" ? node.value : node.kind;
}

describe("splitFlagPath", () => {
  const cases: [string, string[] | undefined][] = [
    ["entrypoints.web.address", ["entrypoints", "web", "address"]],
    ["a.domains[0].main", ["a", "domains", "0", "main"]],
    ["x.trustedIPs[12]", ["x", "trustedIPs", "12"]],
    ["a..b", undefined],
    ["a.b[x]", undefined],
    ["a.b[0", undefined],
  ];
  test.each(cases)("%p", (name, want) => {
    expect(splitFlagPath(name)).toEqual(want);
  });
});

describe("parseFlags", () => {
  const cases: { name: string; args: string[]; path: string; want: unknown }[] = [
    { name: "= form", args: ["--entrypoints.web.address=:80"], path: "entrypoints.web.address", want: ":80" },
    { name: "space form", args: ["--entryPoints.web.address", ":80"], path: "entrypoints.web.address", want: ":80" },
    { name: "single dash", args: ["-entrypoints.web.address=:80"], path: "entrypoints.web.address", want: ":80" },
    { name: "bare bool", args: ["--api.insecure", "--ping"], path: "api.insecure", want: "true" },
    { name: "bare section", args: ["--accesslog", "--ping"], path: "accesslog", want: "true" },
    { name: "bool then true", args: ["--api.insecure", "false"], path: "api.insecure", want: "false" },
    { name: "value with =", args: ["--providers.kubernetescrd.labelselector=app=x"], path: "providers.kubernetescrd.labelselector", want: "app=x" },
    { name: "value starting with -", args: ["--log.filePath", "-"], path: "log.filePath", want: "-" },
    { name: "repeated list appends", args: ["--entrypoints.w.forwardedheaders.trustedips=a", "--entrypoints.w.forwardedheaders.trustedips=b"], path: "entrypoints.w.forwardedheaders.trustedips", want: "a,b" },
    { name: "repeated scalar: last wins", args: ["--log.level=INFO", "--log.level=DEBUG"], path: "log.level", want: "DEBUG" },
    { name: "keys merge case-insensitively", args: ["--entryPoints.web.address=:80", "--entrypoints.WEB.asDefault"], path: "entrypoints.web.asdefault", want: "true" },
    { name: "bare after options keeps them", args: ["--accesslog.format=json", "--accesslog"], path: "accesslog.format", want: "json" },
    { name: "indexed", args: ["--entrypoints.w.http.tls.domains[0].main=a.com"], path: "entrypoints.w.http.tls.domains.0.main", want: "a.com" },
  ];
  test.each(cases)("$name", ({ args, path, want }) => {
    const r = parseFlags(args, STATIC_SCHEMA);
    expect(r.diagnostics).toEqual([]);
    expect(at(r.tree, path)).toBe(want);
  });

  test("--configFile in both forms is taken out of the tree", () => {
    for (const args of [["--configFile=a.yml"], ["--configfile", "a.yml"]]) {
      const r = parseFlags(args, STATIC_SCHEMA);
      expect(r.configFile).toBe("a.yml");
      expect(r.tree).toBeUndefined();
    }
  });

  const errors: [string[], RegExp][] = [
    [["run"], /unexpected argument "run"/],
    [["--log.level"], /flag --log.level needs a value/],
    [["--", "--api"], /unexpected argument "--api"/],
    [["--=x"], /bad flag syntax/],
    [["--a.b[x]=1"], /bad flag syntax/],
  ];
  test.each(errors)("%p is an error", (args, message) => {
    const r = parseFlags(args, STATIC_SCHEMA);
    expect(r.diagnostics.map((d) => d.message).join("\n")).toMatch(message);
    expect(r.diagnostics.every((d) => d.severity === "error")).toBe(true);
  });

  test("an unknown flag without = takes a following value, not a following flag", () => {
    const r = parseFlags(["--nope", "x", "--nada", "--api"], STATIC_SCHEMA);
    expect(at(r.tree, "nope")).toBe("x");
    expect(at(r.tree, "nada")).toBe("true");
    expect(at(r.tree, "api")).toBe("true");
  });
});
