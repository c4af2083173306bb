// Runs handshake-client.ts as its own process (so the bench's event loop and
// its RSS stay out of the way) and checks the report it prints.
import { join } from "node:path";
import type { HandshakeOptions, HandshakeReport } from "./handshake-client.ts";
import { runTool } from "./procs.ts";

const CLIENT = join(import.meta.dir, "handshake-client.ts");

const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** The client's last output line, checked field by field. */
export function parseHandshakeReport(stdout: string): HandshakeReport {
  const last = stdout.trim().split("\n").pop() ?? "";
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(`handshake client printed no report: ${JSON.stringify(stdout.slice(-500))}`);
  }
  for (const key of ["ok", "handshakes", "errors", "seconds"]) {
    if (!num(raw[key]) || (raw[key] as number) < 0) throw new Error(`handshake report: bad ${key} in ${last}`);
  }
  if (!((raw.seconds as number) > 0)) throw new Error(`handshake report: no time measured in ${last}`);
  const kinds = raw.errorKinds;
  if (typeof kinds !== "object" || kinds === null || Object.values(kinds).some((n) => !num(n))) throw new Error(`handshake report: bad errorKinds in ${last}`);
  const optional = (key: string) => (num(raw[key]) ? (raw[key] as number) : undefined);
  return {
    ok: raw.ok as number,
    handshakes: raw.handshakes as number,
    errors: raw.errors as number,
    seconds: raw.seconds as number,
    p50Ms: optional("p50Ms"),
    p99Ms: optional("p99Ms"),
    errorKinds: kinds as Record<string, number>,
  };
}

/** Completed connections (handshake + request + response) per second. */
export function connectionsPerSec(r: HandshakeReport): number {
  return r.ok / r.seconds;
}

export async function runHandshakes(bun: string, options: HandshakeOptions): Promise<HandshakeReport> {
  const result = await runTool("handshake-client", [bun, CLIENT, JSON.stringify(options)], (options.durationSec + 30) * 1000);
  if (result.exitCode !== 0) throw new Error(`handshake client exited with ${result.exitCode}: ${(result.stderr || result.stdout).trim()}`);
  return parseHandshakeReport(result.stdout);
}
