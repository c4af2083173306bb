// Sluice under test: a Traefik-format static file with one entrypoint and a
// file provider, plus a dynamic file with the routes, then `bun src/main.ts`.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnTracked, type Tracked } from "./procs.ts";

/** Host the benched router matches in the routes case. */
export const BENCH_HOST = "bench.test";

/** One entrypoint (`web`, or `websecure` for the TLS cases) and the file provider. */
export function staticConfig(port: number, dynamicDir: string, entryPoint = "web"): string {
  return `entryPoints:
  ${entryPoint}:
    address: "127.0.0.1:${port}"
providers:
  file:
    directory: ${JSON.stringify(dynamicDir)}
    watch: false
log:
  level: ERROR
`;
}

/**
 * Dynamic config. `extraRouters` = 0: one catch-all router `PathPrefix(\`/\`)`.
 * Otherwise the benched router matches `Host(\`bench.test\`)` and
 * `extraRouters` more routers match `h<i>.bench.test`, each with its own
 * service (all pointing at the same backend), so the routing table, not the
 * backend, is what grows.
 */
export function routesConfig(backendUrl: string, opts: { hostRule: boolean; extraRouters: number }): string {
  const rule = opts.hostRule ? `Host(\`${BENCH_HOST}\`) && PathPrefix(\`/\`)` : "PathPrefix(`/`)";
  const routers = [`    bench:\n      rule: ${JSON.stringify(rule)}\n      entryPoints: [web]\n      service: bench\n`];
  const services = [`    bench:\n      loadBalancer:\n        servers:\n          - url: ${JSON.stringify(backendUrl)}\n`];
  for (let i = 1; i <= opts.extraRouters; i++) {
    const extra = `Host(\`h${i}.${BENCH_HOST}\`) && PathPrefix(\`/\`)`;
    routers.push(`    r${i}:\n      rule: ${JSON.stringify(extra)}\n      entryPoints: [web]\n      service: s${i}\n`);
    services.push(`    s${i}:\n      loadBalancer:\n        servers:\n          - url: ${JSON.stringify(backendUrl)}\n`);
  }
  return `http:\n  routers:\n${routers.join("")}  services:\n${services.join("")}`;
}

/** Where the chain case's 5-middleware router listens; it strips this prefix and forwards the rest. */
export const CHAIN_PREFIX = "/chain";

/**
 * The chain case (issue 4's cost of a chain): `/tiny` with no middleware, and
 * `/chain/tiny` through headers, stripPrefix, ipAllowList, rateLimit (a limit
 * never reached) and basicAuth (bcrypt; repeated logins hit the cache), both
 * to the same backend in one Sluice process.
 */
export function chainConfig(backendUrl: string, bcryptUser: string): string {
  return `http:
  routers:
    plain:
      rule: "PathPrefix(\`/tiny\`)"
      entryPoints: [web]
      service: bench
    chain:
      rule: "PathPrefix(\`${CHAIN_PREFIX}\`)"
      entryPoints: [web]
      service: bench
      middlewares: [headers, strip, allow, limit, auth]
  middlewares:
    headers:
      headers:
        customRequestHeaders: {X-Bench: "1"}
        customResponseHeaders: {X-Served-By: sluice}
        frameDeny: true
        contentTypeNosniff: true
    strip:
      stripPrefix: {prefixes: ["${CHAIN_PREFIX}"]}
    allow:
      ipAllowList: {sourceRange: ["127.0.0.1/32", "::1/128"]}
    limit:
      rateLimit: {average: 100000000, burst: 100000000}
    auth:
      basicAuth:
        users: [${JSON.stringify(bcryptUser)}]
  services:
    bench:
      loadBalancer:
        servers:
          - url: ${JSON.stringify(backendUrl)}
`;
}

/**
 * The TLS cases: one catch-all router on `websecure` with `tls: {}`, the bench
 * certificate in `tls.certificates` (served by SNI), TLS 1.2 and 1.3 as nginx
 * is set up. HTTP/2 is offered by ALPN (Sluice's default).
 */
export function tlsRoutesConfig(backendUrl: string, cert: { certFile: string; keyFile: string }): string {
  return `http:
  routers:
    bench:
      rule: "PathPrefix(\`/\`)"
      entryPoints: [websecure]
      service: bench
      tls: {}
  services:
    bench:
      loadBalancer:
        servers:
          - url: ${JSON.stringify(backendUrl)}
tls:
  options:
    default:
      minVersion: VersionTLS12
      maxVersion: VersionTLS13
  certificates:
    - certFile: ${JSON.stringify(cert.certFile)}
      keyFile: ${JSON.stringify(cert.keyFile)}
`;
}

export interface SluiceLayout {
  /** Repository root, where src/main.ts lives; Sluice runs with it as cwd. */
  root: string;
  /** A .ts entry or a built binary, relative to root; default src/main.ts. */
  entry?: string;
  /** Directory for this instance's config and logs. */
  dir: string;
}

/**
 * The command line of Sluice. A .ts entry runs as `<bun> <entry>`
 * (`process.execPath` is the Bun running this script) rather than through
 * `npx`, so the tracked PID, and the RSS sampled from it, is Sluice itself.
 */
export function sluiceCommand(layout: SluiceLayout, staticPath: string): string[] {
  const entry = resolve(layout.root, layout.entry ?? join("src", "main.ts"));
  const flag = `--configFile=${staticPath}`;
  return /\.[cm]?[jt]s$/.test(entry) ? [process.execPath, entry, flag] : [entry, flag];
}

/** Writes both configs and starts Sluice. */
export async function startSluice(layout: SluiceLayout, port: number, routesYaml: string, entryPoint = "web"): Promise<Tracked> {
  const dynamicDir = join(layout.dir, "dynamic");
  mkdirSync(dynamicDir, { recursive: true });
  await Bun.write(join(dynamicDir, "routes.yml"), routesYaml);
  const staticPath = join(layout.dir, "static.yml");
  await Bun.write(staticPath, staticConfig(port, dynamicDir, entryPoint));
  return spawnTracked(
    "sluice",
    sluiceCommand(layout, staticPath),
    join(layout.dir, "sluice"),
    layout.root,
  );
}
