import { describe, expect, test } from "bun:test";
import type { Diagnostic } from "../diagnostic.ts";
import { loadStaticConfig } from "./load.ts";

interface Case {
  name: string;
  args?: string[];
  env?: Record<string, string>;
  /** Contents of s.yml; `--configFile=s.yml` is added. */
  yaml?: string;
  severity?: "error" | "warning";
  message: RegExp;
  at?: Partial<Diagnostic>;
}

const EP = "--entrypoints.web.address=:80";

const cases: Case[] = [
  // unknown options, each source
  {
    name: "flag: unknown option, did you mean",
    args: ["--entrypoints.web.adress=:80"],
    message: /^unknown option "entrypoints\.web\.adress"; did you mean "address"\? \(flag --entrypoints\.web\.adress\)$/,
    at: { path: "entrypoints.web.adress" },
  },
  {
    name: "flag: unknown top-level option lists the known ones",
    args: [EP, "--zzz=1"],
    message: /unknown option "zzz"; expected one of: global, serversTransport, entryPoints/,
  },
  {
    name: "env: unknown option names the variable",
    env: { SLUICE_ENTRYPOINTS_WEB_ADRESS: ":80" },
    message: /unknown option "entrypoints\.web\.adress"; did you mean "address"\? \(environment variable SLUICE_ENTRYPOINTS_WEB_ADRESS\)/,
  },
  {
    name: "yaml: unknown option at its key",
    yaml: 'entryPoints:\n  web:\n    adress: ":80"\n',
    message: /unknown option "entryPoints\.web\.adress"; did you mean "address"\?$/,
    at: { file: "s.yml", line: 3, column: 5, path: "entryPoints.web.adress" },
  },
  {
    name: "yaml: misspelt section",
    yaml: "entryPoint:\n  web:\n    address: ':80'\n",
    message: /unknown option "entryPoint"; did you mean "entryPoints"\?/,
    at: { line: 1, column: 1 },
  },
  // wrong types
  { name: "bool", args: [EP, "--api.insecure=yes"], message: /invalid value "yes" for option "api\.insecure": expected true or false \(flag --api\.insecure\)/ },
  { name: "int", args: [EP, "--ping.terminatingStatusCode=abc"], message: /invalid value "abc" for option "ping\.terminatingStatusCode": expected an integer/ },
  { name: "enum", args: [EP, "--log.level=verbose"], message: /invalid value "verbose" for option "log\.level": expected one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, PANIC/ },
  { name: "number list", args: [EP, "--metrics.prometheus.buckets=0.1,x"], message: /invalid value "x" for option "metrics\.prometheus\.buckets\.1": expected a number/ },
  { name: "status code range", args: [EP, "--accesslog.filters.statuscodes=200,2xx"], message: /invalid value "2xx" .*expected a status code or range like "200" or "300-302"/ },
  {
    name: "env: duration",
    env: { SLUICE_ENTRYPOINTS_WEB_ADDRESS: ":80", SLUICE_ENTRYPOINTS_WEB_TRANSPORT_LIFECYCLE_GRACETIMEOUT: "soon" },
    message: /invalid value "soon" for option "entrypoints\.web\.transport\.lifecycle\.gracetimeout": expected a duration like "10s".*\(environment variable SLUICE_ENTRYPOINTS_WEB_TRANSPORT_LIFECYCLE_GRACETIMEOUT\)/,
  },
  {
    name: "yaml: wrong type at its value",
    yaml: "ping:\n  terminatingStatusCode: soon\n",
    message: /invalid value "soon" for option "ping\.terminatingStatusCode": expected an integer$/,
    at: { file: "s.yml", line: 2, column: 26 },
  },
  {
    name: "yaml: a scalar where a section is expected",
    yaml: "api: 5\n",
    message: /invalid value 5 for option "api": expected a section with options insecure, dashboard, debug/,
    at: { line: 1, column: 6 },
  },
  {
    name: "yaml: a section where a list is expected",
    yaml: "entryPoints:\n  web:\n    address: ':80'\n    forwardedHeaders:\n      trustedIPs: {a: 1}\n",
    message: /invalid value a section for option "entryPoints\.web\.forwardedHeaders\.trustedIPs": expected a list of string values/,
    at: { line: 5, column: 19 },
  },
  // addresses
  { name: "UDP address", args: ["--entrypoints.dns.address=:53/udp"], message: /option "entrypoints\.dns\.address": address ":53\/udp": UDP entry points are not supported by Sluice/ },
  { name: "address without port", args: ["--entrypoints.web.address=80"], message: /missing ":port"/ },
  // missing and inconsistent options
  { name: "entry point without address", args: ["--entrypoints.web.asdefault"], message: /option "entryPoints\.web\.address" is required \(flag --entrypoints\.web\.asdefault\)/ },
  { name: "redirection without to", args: [EP, "--entrypoints.web.http.redirections.entrypoint.scheme=https"], message: /option "entryPoints\.web\.http\.redirections\.entryPoint\.to" is required/ },
  { name: "redirection to an unknown entry point", args: [EP, "--entrypoints.web.http.redirections.entrypoint.to=websecure"], message: /redirections\.entryPoint\.to refers to entry point "websecure", which is not defined \(defined: web\)/ },
  { name: "ping on an unknown entry point", args: [EP, "--ping.entrypoint=nope"], message: /ping\.entryPoint refers to entry point "nope"/ },
  { name: "httpChallenge on an unknown entry point", args: [EP, "--certificatesresolvers.le.acme.httpchallenge.entrypoint=http"], message: /httpChallenge\.entryPoint refers to entry point "http"/ },
  { name: "ACME without a challenge", args: [EP, "--certificatesresolvers.le.acme.email=a@b.c"], message: /certificatesResolvers\.le\.acme: no challenge configured/ },
  { name: "dnsChallenge without provider", args: [EP, "--certificatesresolvers.le.acme.dnschallenge"], message: /option "certificatesResolvers\.le\.acme\.dnsChallenge\.provider" is required/ },
  { name: "file provider with both", args: [EP, "--providers.file.filename=a", "--providers.file.directory=b"], message: /filename and directory are mutually exclusive/ },
  {
    name: "file provider with neither",
    yaml: "entryPoints:\n  web:\n    address: ':80'\nproviders:\n  file:\n    watch: true\n",
    message: /providers\.file: set either filename or directory/,
    at: { file: "s.yml", line: 6, column: 5 },
  },
  // files and arguments
  { name: "positional argument", args: [EP, "serve"], message: /unexpected argument "serve"/ },
  { name: "flag without value", args: [EP, "--log.level"], message: /flag --log\.level needs a value/ },
  { name: "missing file", args: ["--configFile=nope.yml"], message: /cannot read configuration file: ENOENT/, at: { file: "nope.yml" } },
  { name: "TOML file", args: ["--configFile=traefik.toml"], message: /TOML configuration files are not supported/ },
  { name: "YAML syntax", yaml: "entryPoints:\n  web: [\n", message: /^invalid YAML/, at: { file: "s.yml" } },
  // known Traefik options Sluice does not implement: a warning, not an error
  { name: "tracing", args: [EP, "--tracing.serviceName=x"], severity: "warning", message: /option "tracing" is ignored: tracing is not supported by Sluice/ },
  { name: "docker provider", args: [EP, "--providers.docker"], severity: "warning", message: /option "providers\.docker" is ignored: the docker provider is not supported by Sluice/ },
  { name: "http3", yaml: "entryPoints:\n  w:\n    address: ':443'\n    http3: {}\n", severity: "warning", message: /entryPoints\.w\.http3" is ignored/, at: { line: 4, column: 12 } },
];

describe("diagnostics", () => {
  test.each(cases)("$name", (c) => {
    const args = c.yaml !== undefined ? ["--configFile=s.yml", ...(c.args ?? [])] : (c.args ?? []);
    const read = (p: string) => {
      if (p === "s.yml" && c.yaml !== undefined) return c.yaml;
      throw new Error(`ENOENT: no such file or directory, open '${p}'`);
    };
    const { diagnostics } = loadStaticConfig(args, c.env ?? {}, read);
    const hit = diagnostics.find((d) => c.message.test(d.message));
    if (!hit) throw new Error(`no diagnostic matches ${c.message}; got:\n${diagnostics.map((d) => d.message).join("\n")}`);
    expect(hit.severity).toBe(c.severity ?? "error");
    if (c.at) expect(hit).toMatchObject(c.at);
    if (c.severity === "warning") expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});
