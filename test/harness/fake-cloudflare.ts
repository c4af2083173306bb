// A local emulator of the few Cloudflare API v4 endpoints DNS-01 needs, for tests.
// Contract followed: Cloudflare API v4 as the official `cloudflare` SDK (7.x) calls it
// (https://developers.cloudflare.com/api/ — "Zones: List Zones", "DNS Records: Create /
// List / Delete"), under the /client/v4 base path:
//   GET    /client/v4/zones?name=<zone>&page=N
//   POST   /client/v4/zones/<id>/dns_records         {type, name, content, ttl}
//   GET    /client/v4/zones/<id>/dns_records?type=TXT&name.exact=<fqdn>&page=N
//   DELETE /client/v4/zones/<id>/dns_records/<rid>
// Every answer uses the {success, errors, messages, result[, result_info]} envelope.
// Auth: "Authorization: Bearer <token>" or X-Auth-Email + X-Auth-Key (global key);
// missing headers → 400 code 6003, wrong credentials → 403 code 10000 (Cloudflare's codes).
// TXT records are mirrored into pebble-challtestsrv (set-txt / clear-txt) so that
// pebble validates over real DNS. challtestsrv's clear-txt drops every value of a
// name, so the name is cleared when its last record is deleted (see DELETE).

export interface FakeCloudflareOptions {
  zones: string[];
  /** Accepted bearer tokens. */
  tokens?: string[];
  /** Accepted global key. */
  globalKey?: { email: string; key: string };
  /** name_servers of every zone (Cloudflare gives host names; tests may give "ip:port"). */
  nameServers?: string[];
  /** challtestsrv management URL; TXT records are mirrored there when set. */
  challManagementUrl?: string;
}

export interface FakeRecord {
  id: string;
  zone_id: string;
  type: string;
  name: string;
  content: string;
  ttl: number;
}

export interface FakeCloudflare {
  /** Base URL for CLOUDFLARE_BASE_URL (…/client/v4). */
  baseUrl: string;
  records(): FakeRecord[];
  /** Every request as "METHOD path?query" plus the auth kind used. */
  log: Array<{ method: string; path: string; auth: "token" | "key" | "none" }>;
  stop(): Promise<void>;
}

const PER_PAGE = 20;

function envelope(result: unknown, status = 200, resultInfo?: Record<string, number>): Response {
  const body: Record<string, unknown> = { success: status < 400, errors: [], messages: [], result };
  if (resultInfo) body.result_info = resultInfo;
  return Response.json(body, { status });
}

function failure(status: number, code: number, message: string): Response {
  return Response.json({ success: false, errors: [{ code, message }], messages: [], result: null }, { status });
}

function paged<T>(items: T[], url: URL): Response {
  const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
  const perPage = Math.max(1, Number(url.searchParams.get("per_page") ?? PER_PAGE));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return envelope(slice, 200, { page, per_page: perPage, count: slice.length, total_count: items.length, total_pages: Math.ceil(items.length / perPage) });
}

export function startFakeCloudflare(opts: FakeCloudflareOptions): FakeCloudflare {
  const zones = opts.zones.map((name, i) => ({
    id: `zone${i + 1}${"0".repeat(27)}`,
    name,
    status: "active",
    name_servers: opts.nameServers ?? ["ns1.fake-cloudflare.test", "ns2.fake-cloudflare.test"],
  }));
  const records: FakeRecord[] = [];
  const log: FakeCloudflare["log"] = [];
  let seq = 0;

  const chall = async (path: string, body: unknown) => {
    if (!opts.challManagementUrl) return;
    await fetch(`${opts.challManagementUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
  };

  const auth = (req: Request): "token" | "key" | Response => {
    const bearer = req.headers.get("authorization");
    const email = req.headers.get("x-auth-email");
    const key = req.headers.get("x-auth-key");
    if (bearer) {
      const token = bearer.replace(/^Bearer\s+/i, "");
      return opts.tokens?.includes(token) ? "token" : failure(403, 10000, "Authentication error");
    }
    if (email || key) {
      if (!email || !key) return failure(400, 6003, "Invalid request headers");
      return opts.globalKey && opts.globalKey.email === email && opts.globalKey.key === key ? "key" : failure(403, 10000, "Authentication error");
    }
    return failure(400, 6003, "Invalid request headers");
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const who = auth(req);
      log.push({ method: req.method, path: url.pathname + url.search, auth: typeof who === "string" ? who : "none" });
      if (who instanceof Response) return who;
      const parts = url.pathname.replace(/^\/client\/v4\/?/, "").split("/").filter(Boolean);
      if (parts[0] !== "zones") return failure(404, 7003, "Could not route to " + url.pathname);
      if (parts.length === 1 && req.method === "GET") {
        const name = url.searchParams.get("name");
        return paged(zones.filter((z) => !name || z.name === name), url);
      }
      const zone = zones.find((z) => z.id === parts[1]);
      if (!zone) return failure(404, 7003, "Could not route to " + url.pathname);
      if (parts[2] !== "dns_records") return failure(404, 7003, "Could not route to " + url.pathname);
      if (parts.length === 3 && req.method === "POST") {
        const body = (await req.json().catch(() => null)) as Partial<FakeRecord> | null;
        if (!body?.type || !body.name || typeof body.content !== "string") return failure(400, 9000, "DNS record: type, name and content are required");
        if (body.name !== zone.name && !body.name.endsWith(`.${zone.name}`)) return failure(400, 1004, "DNS Validation Error");
        const rec: FakeRecord = { id: `rec${++seq}`, zone_id: zone.id, type: body.type, name: body.name, content: body.content, ttl: body.ttl ?? 1 };
        records.push(rec);
        if (rec.type === "TXT") await chall("/set-txt", { host: `${rec.name}.`, value: rec.content });
        return envelope(rec);
      }
      if (parts.length === 3 && req.method === "GET") {
        const type = url.searchParams.get("type");
        const exact = url.searchParams.get("name.exact") ?? url.searchParams.get("name");
        return paged(records.filter((r) => r.zone_id === zone.id && (!type || r.type === type) && (!exact || r.name === exact)), url);
      }
      if (parts.length === 4 && req.method === "DELETE") {
        const idx = records.findIndex((r) => r.id === parts[3] && r.zone_id === zone.id);
        if (idx < 0) return failure(404, 81044, "Record does not exist.");
        const [rec] = records.splice(idx, 1);
        // Cloudflare drops just this record; challtestsrv can only clear a whole
        // name. Clearing and re-adding the others would leave a moment with no
        // TXT at all, in which a validation of a sibling value (wildcard + apex
        // share a name) fails. So the name is cleared once its last record goes.
        if (rec!.type === "TXT" && !records.some((r) => r.type === "TXT" && r.name === rec!.name)) {
          await chall("/clear-txt", { host: `${rec!.name}.` });
        }
        return envelope({ id: rec!.id });
      }
      return failure(405, 10405, "Method not allowed");
    },
  });

  return {
    baseUrl: `http://127.0.0.1:${server.port}/client/v4`,
    records: () => records.map((r) => ({ ...r })),
    log,
    stop: async () => {
      await server.stop(true);
    },
  };
}
