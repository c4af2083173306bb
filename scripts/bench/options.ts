// Command-line flags of `npm run bench`.

export const ALL_CASES = ["tiny", "1m", "1g", "routes", "chain", "https", "handshakes", "h2"] as const;
/** Cases that need the TLS proxies (and openssl for the certificate). */
export const TLS_CASES: readonly CaseName[] = ["https", "handshakes", "h2"];
export type CaseName = (typeof ALL_CASES)[number];
export type Target = "nginx" | "sluice";

export interface BenchOptions {
  /** Seconds each wrk measurement runs. */
  duration: number;
  /** Times each case alternates nginx, sluice. */
  rounds: number;
  cases: CaseName[];
  /** Proxies to measure; `--only=nginx` skips Sluice (and the routes and chain cases). */
  targets: Target[];
  /** Where the JSON result goes. */
  out: string;
  /** Keep the temp dir (configs, logs) for inspection. */
  keep: boolean;
  /** Sluice to run: a .ts entry (run with Bun) or a binary; default src/main.ts. */
  sluice?: string;
}

export const USAGE = `Usage: bun scripts/bench.ts [flags]
  --duration=S     seconds per wrk/h2load/handshake run (default 10)
  --rounds=N       alternating nginx/sluice rounds per case, medians reported (default 3)
  --cases=LIST     comma list of ${ALL_CASES.join(",")} (default all)
                   tiny: 64 keep-alive conns, tiny response; 1m: 1 MiB responses; 1g: 1 GiB down/up (curl)
                   routes: Sluice with 10,000 routers vs 1
                   chain: Sluice through headers, stripPrefix, ipAllowList, rateLimit, basicAuth vs no middleware
                   https: as tiny over TLS (wrk); h2: HTTP/2 over TLS (h2load -c16 -m10)
                   handshakes: new TLS connections/s, full handshake + 1 request each
  --only=TARGET    nginx or sluice: measure one proxy only
  --out=FILE       JSON result (default .tmp/bench-result.json)
  --keep           keep the temp dir with configs and logs
  --sluice=PATH    Sluice to run: a .ts entry or a built binary (default src/main.ts)`;

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const opts: BenchOptions = {
    duration: 10,
    rounds: 3,
    cases: [...ALL_CASES],
    targets: ["nginx", "sluice"],
    out: ".tmp/bench-result.json",
    keep: false,
  };
  for (const arg of argv) {
    const [flag, value = ""] = arg.split(/=(.*)/s, 2);
    switch (flag) {
      case "--duration":
        opts.duration = positive("duration", value);
        break;
      case "--rounds":
        opts.rounds = Math.floor(positive("rounds", value));
        break;
      case "--cases": {
        const names = value.split(",").map((s) => s.trim()).filter(Boolean);
        for (const name of names) {
          if (!(ALL_CASES as readonly string[]).includes(name)) throw new Error(`unknown case ${JSON.stringify(name)}; known: ${ALL_CASES.join(", ")}`);
        }
        if (names.length === 0) throw new Error("--cases needs at least one case");
        opts.cases = names as CaseName[];
        break;
      }
      case "--only":
        if (value !== "nginx" && value !== "sluice") throw new Error(`--only must be nginx or sluice, got ${JSON.stringify(value)}`);
        opts.targets = [value];
        break;
      case "--out":
        if (!value) throw new Error("--out needs a file name");
        opts.out = value;
        break;
      case "--sluice":
        if (!value) throw new Error("--sluice needs a path");
        opts.sluice = value;
        break;
      case "--keep":
        opts.keep = true;
        break;
      default:
        throw new Error(`unknown flag ${JSON.stringify(arg)}\n${USAGE}`);
    }
  }
  return opts;
}

/** `--name=N` from argv for the small standalone scripts: a positive number, or `fallback` when absent. */
export function numberFlag(argv: readonly string[], name: string, fallback: number): number {
  const arg = argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} expects a positive number, got ${arg}`);
  return value;
}
