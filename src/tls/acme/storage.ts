// One acme.json file, shared by every resolver that names it (as in Traefik).
// Read once at start; rewritten whole and atomically after each change.
// A file that cannot be trusted (too-open mode, unreadable, corrupt) is never
// written: the resolvers using it are disabled and the problem is reported.
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Logger } from "../../observability/logger.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { domainSetKey } from "./domains.ts";
import {
  parseAccount,
  parseAcmeFile,
  parseCertificateEntry,
  serializeCertificate,
  type StoredCertificate,
  type TraefikAccount,
  type TraefikResolverSection,
} from "./traefik-format.ts";

export class AcmeStorage {
  /** Why the file cannot be used; undefined when it can. */
  problem?: string;
  private data: Record<string, TraefikResolverSection> = {};

  constructor(
    readonly path: string,
    private readonly log: Logger,
  ) {}

  get usable(): boolean {
    return this.problem === undefined;
  }

  load(): void {
    this.removeStaleTemps();
    let mode: number;
    try {
      const st = statSync(this.path);
      if (!st.isFile()) {
        this.problem = `ACME storage ${this.path} is not a regular file`;
        return;
      }
      mode = st.mode & 0o777;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // created on first save, 0600
      this.problem = `ACME storage ${this.path} cannot be read: ${(err as Error).message}`;
      return;
    }
    if (mode & 0o077) {
      this.problem = `permissions ${mode.toString(8)} for ${this.path} are too open, please use 600`;
      return;
    }
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      this.problem = `ACME storage ${this.path} cannot be read: ${(err as Error).message}`;
      return;
    }
    try {
      this.data = parseAcmeFile(text);
    } catch (err) {
      this.problem = `ACME storage ${this.path} is corrupt (${(err as Error).message}); it is kept as is and not written; fix or remove it`;
      return;
    }
    for (const [resolver, section] of Object.entries(this.data)) {
      for (const entry of section?.Certificates ?? []) {
        const parsed = parseCertificateEntry(entry);
        if (!parsed.ok) this.log.warn("ACME storage: unusable certificate entry kept as is", { resolver, storage: this.path, reason: parsed.reason });
      }
    }
  }

  account(resolver: string): TraefikAccount | undefined {
    return parseAccount(this.data[resolver]?.Account);
  }

  certificates(resolver: string): StoredCertificate[] {
    const out: StoredCertificate[] = [];
    for (const entry of this.data[resolver]?.Certificates ?? []) {
      const parsed = parseCertificateEntry(entry);
      if (parsed.ok) out.push(parsed.cert);
    }
    return out;
  }

  setAccount(resolver: string, account: TraefikAccount): void {
    this.section(resolver).Account = account;
  }

  /** Replaces the entry for the same domain set, or appends one. Unparseable entries stay. */
  putCertificate(resolver: string, cert: StoredCertificate): void {
    const section = this.section(resolver);
    const list = section.Certificates ?? [];
    const key = domainSetKey(resolver, cert.domains);
    const idx = list.findIndex((e) => {
      const p = parseCertificateEntry(e);
      return p.ok && domainSetKey(resolver, p.cert.domains) === key;
    });
    const entry = serializeCertificate(cert);
    if (idx >= 0) list[idx] = entry;
    else list.push(entry);
    section.Certificates = list;
  }

  /** Writes the whole file atomically with mode 0600; returns the error message when it failed. */
  save(): string | undefined {
    if (!this.usable) return this.problem;
    try {
      writeFileAtomic(this.path, JSON.stringify(this.data, null, 2) + "\n", 0o600);
      return undefined;
    } catch (err) {
      return `cannot write ACME storage ${this.path}: ${(err as Error).message}`;
    }
  }

  private section(resolver: string): TraefikResolverSection {
    let s = this.data[resolver];
    if (!s) {
      s = { Account: null, Certificates: [] };
      this.data[resolver] = s;
    }
    return s;
  }

  /** Temp files left by a writer that died (kill -9) mid-write. */
  private removeStaleTemps(): void {
    const prefix = `.${basename(this.path)}.tmp-`;
    let names: string[];
    try {
      names = readdirSync(dirname(this.path));
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const pid = Number(name.slice(prefix.length).split("-")[0]);
      if (pid && pid !== process.pid && isAlive(pid)) continue;
      rmSync(join(dirname(this.path), name), { force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
