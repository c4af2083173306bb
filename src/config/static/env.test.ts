import { describe, expect, test } from "bun:test";
import { parseEnv, segmentEnvName } from "./env.ts";
import type { RawMap, RawNode } from "./raw.ts";
import { STATIC_SCHEMA } from "./static-schema.ts";

function at(tree: RawMap | undefined, path: string[]): unknown {
  let node: RawNode | undefined = tree;
  for (const seg of path) {
    if (!node || node.kind !== "map") return undefined;
    node = node.entries.find((e) => e.key === seg)?.value;
  }
  return node?.kind === "scalar" ? node.value : node?.kind;
}

describe("segmentEnvName", () => {
  const cases: [string, string[] | undefined][] = [
    ["entrypoints_web_address", ["entrypoints", "web", "address"]],
    ["entrypoints_my_web_address", ["entrypoints", "my_web", "address"]],
    ["entrypoints_web_http_tls_domains_0_sans", ["entrypoints", "web", "http", "tls", "domains", "0", "sans"]],
    ["certificatesresolvers_le_acme_httpchallenge_entrypoint", ["certificatesresolvers", "le", "acme", "httpchallenge", "entrypoint"]],
    ["accesslog_fields_headers_names_user_agent", ["accesslog", "fields", "headers", "names", "user_agent"]],
    ["entrypoints_web_adress", undefined],
    ["log_level_x", undefined],
  ];
  test.each(cases)("%p", (name, want) => {
    expect(segmentEnvName(name.split("_"), STATIC_SCHEMA)).toEqual(want);
  });
});

describe("parseEnv", () => {
  test("reads SLUICE_* and TRAEFIK_*, SLUICE_* wins, names lowercased", () => {
    const r = parseEnv(
      {
        TRAEFIK_ENTRYPOINTS_WEB_ADDRESS: ":8000",
        SLUICE_ENTRYPOINTS_WEB_ADDRESS: ":80",
        TRAEFIK_LOG_LEVEL: "DEBUG",
        HOME: "/root",
      },
      STATIC_SCHEMA,
    );
    expect(r.diagnostics).toEqual([]);
    expect(at(r.tree, ["entrypoints", "web", "address"])).toBe(":80");
    expect(at(r.tree, ["log", "level"])).toBe("DEBUG");
  });

  test("Kubernetes service links and Sluice's own variables are not configuration", () => {
    const r = parseEnv(
      {
        TRAEFIK_SERVICE_HOST: "10.0.0.1",
        TRAEFIK_SERVICE_PORT_WEB: "80",
        TRAEFIK_PORT: "tcp://10.0.0.1:80",
        TRAEFIK_PORT_80_TCP_ADDR: "10.0.0.1",
        SLUICE_UPSTREAM: "fetch",
      },
      STATIC_SCHEMA,
    );
    expect(r.tree).toBeUndefined();
    expect(r.diagnostics).toEqual([]);
  });

  test("configFile is picked out", () => {
    expect(parseEnv({ SLUICE_CONFIGFILE: "/etc/s.yml" }, STATIC_SCHEMA).configFile).toBe("/etc/s.yml");
  });

  test("an unknown top-level name is a warning naming the variable", () => {
    const r = parseEnv({ SLUICE_ENTRYPONTS_WEB_ADDRESS: ":80" }, STATIC_SCHEMA);
    expect(r.tree).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0].severity).toBe("warning");
    expect(r.diagnostics[0].message).toContain('did you mean "entryPoints"');
    expect(r.diagnostics[0].message).toContain("SLUICE_ENTRYPONTS_WEB_ADDRESS");
  });
});
