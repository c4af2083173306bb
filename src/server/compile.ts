import type { Diagnostic } from "../config/diagnostic.ts";
import type { DynamicConfig, RouterConfig } from "../config/dynamic/types.ts";
import type { StaticConfig } from "../config/static/types.ts";
import { Muxer } from "../router/muxer.ts";
import { Generation, LazyRouteTarget, type RouteLayer, type RouteTarget, type RouterStatus } from "./generation.ts";
import type { Handler, RawRouteHandler } from "./handler.ts";
import type { BuiltMiddleware } from "../middlewares/registry.ts";
import { MiddlewareBuilder } from "./middleware-builder.ts";
import { planTls, routerTlsOn, type TlsPlan } from "./tls-plan.ts";

/** A router Sluice serves itself (ping, metrics, api), on one entrypoint. */
export interface InternalRouter {
  name: string;
  entryPoint: string;
  rule: string;
  priority: number;
  handler: Handler;
}

export interface CompileInput {
  id: number;
  dynamic: DynamicConfig;
  staticConfig: StaticConfig;
  /** Compiled user services plus internal ones (`whoami@internal`). */
  services: ReadonlyMap<string, { handler: Handler; raw?: RawRouteHandler }>;
  internal: InternalRouter[];
}

const NO_LAYERS: readonly RouteLayer[] = Object.freeze([]);

/** Internal routers win over user routers, as in Traefik. */
const INTERNAL_PRIORITY = 2 ** 31 - 1;

export function compileGeneration(input: CompileInput): Generation {
  const { dynamic, staticConfig } = input;
  const diagnostics: Diagnostic[] = [];
  const muxers = new Map<string, Muxer<RouteTarget>>();
  for (const ep of Object.keys(staticConfig.entryPoints)) muxers.set(ep, new Muxer<RouteTarget>());
  const statuses = new Map<string, RouterStatus>();

  for (const r of input.internal) {
    const mux = muxers.get(r.entryPoint);
    if (!mux) continue;
    const d = mux.add({ name: r.name, rule: r.rule, syntax: "v3", priority: r.priority || INTERNAL_PRIORITY, value: { routerName: r.name, serviceName: r.name, handler: r.handler } });
    if (d) diagnostics.push(d);
  }

  const defaultEntryPoints = defaultEntryPointsOf(staticConfig);
  const middlewares = new MiddlewareBuilder(dynamic, input.services, diagnostics);
  const tls = planTls(dynamic, staticConfig, defaultEntryPoints);
  const lists = new Map<string, string[]>();
  for (const [name, router] of Object.entries(dynamic.http?.routers ?? {})) {
    const status = compileRouter(name, router, input, defaultEntryPoints, muxers, middlewares, tls);
    shareLists(status, lists);
    statuses.set(name, status);
    for (const message of status.errors) {
      diagnostics.push({ severity: status.status === "disabled" ? "error" : "warning", path: `http.routers.${name}${routerErrorKey(message)}`, message: `router ${name}: ${message}` });
    }
  }
  return new Generation(input.id, muxers, diagnostics, statuses, tls);
}

function compileRouter(
  name: string,
  router: RouterConfig,
  input: CompileInput,
  defaultEntryPoints: string[],
  muxers: Map<string, Muxer<RouteTarget>>,
  middlewares: MiddlewareBuilder,
  tls: TlsPlan,
): RouterStatus {
  const { staticConfig } = input;
  const errors: string[] = [];
  const status: RouterStatus = {
    name, rule: router.rule, priority: router.priority ?? 0, entryPoints: [], service: router.service,
    middlewares: router.middlewares ?? [], status: "disabled", errors,
  };
  const entryPoints = router.entryPoints ?? defaultEntryPoints;
  for (const ep of entryPoints) {
    if (!muxers.has(ep)) errors.push(`entryPoint "${ep}" does not exist`);
    else if (tls.entryPoints.has(ep) && !routerTlsOn(router, ep, staticConfig)) {
      // Traefik would serve it to plain-HTTP clients of a port that also speaks TLS; Sluice serves one kind per port.
      errors.push(`entryPoint "${ep}" serves TLS (other routers there have tls) and this router has none; Sluice does not serve plain and TLS routers on one entrypoint`);
    } else status.entryPoints.push(ep);
  }
  const service = input.services.get(router.service);
  if (!service) {
    errors.push(`service "${router.service}" does not exist or is disabled`);
    return status;
  }

  const routerChain = buildChain(router.middlewares ?? [], middlewares, errors);
  if (!routerChain) return status;
  const syntax = router.ruleSyntax ?? staticConfig.core.defaultRuleSyntax;
  let added = 0;
  for (const ep of status.entryPoints) {
    // Entrypoint middlewares run before the router's own, per entrypoint.
    const epChain = buildChain(staticConfig.entryPoints[ep]?.http.middlewares ?? [], middlewares, errors);
    if (!epChain) return status;
    const chain = epChain.length === 0 ? routerChain : routerChain.length === 0 ? epChain : [...epChain, ...routerChain];
    // Handlers are wrapped on first use (see LazyRouteTarget).
    const target = new LazyRouteTarget(name, router.service, service, chain.length === 0 ? NO_LAYERS : chain);
    const d = muxers.get(ep)!.add({ name, rule: router.rule, syntax, priority: router.priority, value: target });
    if (d) {
      errors.push(d.message.replace(`router ${name}: `, ""));
      break;
    }
    added++;
  }
  if (added > 0 && added === status.entryPoints.length) status.status = "enabled";
  return status;
}

const NO_STRINGS = Object.freeze([]) as unknown as string[];

/**
 * Statuses live as long as the generation, one per router: their usually
 * empty or repeated lists (no errors, entry points ["web"]) become one shared,
 * frozen array each instead of one per router.
 */
function shareLists(status: RouterStatus, lists: Map<string, string[]>): void {
  const share = (list: string[]): string[] => {
    if (list.length === 0) return NO_STRINGS;
    const key = list.join("\u0000");
    let shared = lists.get(key);
    if (!shared) {
      shared = Object.freeze([...list]) as string[];
      lists.set(key, shared);
    }
    return shared;
  };
  status.errors = share(status.errors);
  status.entryPoints = share(status.entryPoints);
  status.middlewares = share(status.middlewares);
}

/** The router key a compile error is about, so its diagnostic can point at that line. */
function routerErrorKey(message: string): string {
  if (message.startsWith("service ")) return ".service";
  if (message.startsWith("entryPoint ")) return ".entryPoints";
  if (message.startsWith("middleware ")) return ".middlewares";
  if (message.startsWith("rule ") || message.includes("^")) return ".rule";
  return "";
}

function defaultEntryPointsOf(config: StaticConfig): string[] {
  const all = Object.entries(config.entryPoints);
  const marked = all.filter(([, ep]) => ep.asDefault).map(([n]) => n);
  return marked.length ? marked : all.map(([n]) => n);
}

function buildChain(names: string[], builder: MiddlewareBuilder, errors: string[]): BuiltMiddleware[] | null {
  const built: BuiltMiddleware[] = [];
  for (const mwName of names) {
    const mw = builder.get(mwName);
    if (typeof mw === "string") errors.push(mw);
    else built.push(mw);
  }
  return built.length === names.length ? built : null;
}
