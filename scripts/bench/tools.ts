// The benchmark drives real tools: nginx (baseline proxy and backend), wrk
// (load), curl (large transfers). Missing ones are installed when we are root.

export interface Tools {
  nginx: string;
  wrk: string;
  curl: string;
  /** Found but unused by the current cases; reported for completeness. */
  h2load?: string;
}

const APT_PACKAGES: Record<string, string> = { nginx: "nginx-light", wrk: "wrk", curl: "curl" };

function findAll(): Partial<Record<keyof Tools, string>> {
  const found: Partial<Record<keyof Tools, string>> = {};
  for (const name of ["nginx", "wrk", "curl", "h2load"] as const) {
    // nginx lives in /usr/sbin, which a non-root PATH may lack.
    const path = Bun.which(name) ?? Bun.which(name, { PATH: "/usr/sbin:/usr/local/sbin:/sbin" });
    if (path) found[name] = path;
  }
  return found;
}

export function ensureTools(log: (line: string) => void): Tools {
  let found = findAll();
  const missing = (["nginx", "wrk", "curl"] as const).filter((name) => !found[name]);
  if (missing.length > 0) {
    const packages = missing.map((name) => APT_PACKAGES[name]);
    if (process.getuid?.() !== 0) {
      throw new Error(`missing ${missing.join(", ")}: install them (apt-get install -y ${packages.join(" ")}) or run as root`);
    }
    log(`installing ${packages.join(" ")} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const install = () => Bun.spawnSync(["apt-get", "install", "-y", ...packages], { stdout: "inherit", stderr: "inherit", env });
    // A fresh container has no package lists yet: update once and retry.
    if (install().exitCode !== 0) {
      Bun.spawnSync(["apt-get", "update"], { stdout: "inherit", stderr: "inherit", env });
      if (install().exitCode !== 0) throw new Error(`apt-get install ${packages.join(" ")} failed`);
    }
    found = findAll();
  }
  const { nginx, wrk, curl, h2load } = found;
  if (!nginx || !wrk || !curl) throw new Error("nginx, wrk and curl are required");
  return { nginx, wrk, curl, h2load };
}
