// The benchmark drives real tools: nginx (baseline proxy and backend), wrk
// (load), curl (large transfers), and for the TLS cases openssl (the bench
// certificate) and h2load (HTTP/2 load). Missing ones are installed when we
// are root.

export interface Tools {
  nginx: string;
  wrk: string;
  curl: string;
  /** Present when a TLS case was asked for. */
  openssl?: string;
  /** Present when the h2 case was asked for (else when found). */
  h2load?: string;
}

type ToolName = keyof Tools;

const APT_PACKAGES: Record<ToolName, string> = { nginx: "nginx-light", wrk: "wrk", curl: "curl", openssl: "openssl", h2load: "nghttp2-client" };

function findAll(): Partial<Tools> {
  const found: Partial<Tools> = {};
  for (const name of Object.keys(APT_PACKAGES) as ToolName[]) {
    // nginx lives in /usr/sbin, which a non-root PATH may lack.
    const path = Bun.which(name) ?? Bun.which(name, { PATH: "/usr/sbin:/usr/local/sbin:/sbin" });
    if (path) found[name] = path;
  }
  return found;
}

/** The tools the chosen cases need: nginx, wrk and curl always; openssl for TLS cases, h2load for h2. */
export function requiredTools(needs: { tls: boolean; h2: boolean }): ToolName[] {
  const names: ToolName[] = ["nginx", "wrk", "curl"];
  if (needs.tls) names.push("openssl");
  if (needs.h2) names.push("h2load");
  return names;
}

export function ensureTools(log: (line: string) => void, needs: { tls: boolean; h2: boolean } = { tls: false, h2: false }): Tools {
  const required = requiredTools(needs);
  let found = findAll();
  const missing = required.filter((name) => !found[name]);
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
  const still = required.filter((name) => !found[name]);
  if (still.length > 0) throw new Error(`${still.join(", ")} still missing after apt-get install`);
  const { nginx, wrk, curl, openssl, h2load } = found;
  return { nginx: nginx!, wrk: wrk!, curl: curl!, openssl, h2load };
}
