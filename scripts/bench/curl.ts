// One large transfer with curl, timed by curl itself (-w), for the 1 GiB cases.
import { runTool } from "./procs.ts";

export interface TransferResult {
  /** Bytes per second of the body, as curl measured it. */
  bytesPerSec: number;
  bytes: number;
  status: number;
  seconds: number;
}

export interface Transfer {
  url: string;
  /** Upload this file with PUT (curl -T); otherwise a GET download. */
  uploadFile?: string;
  timeoutSec: number;
}

const FORMAT = "%{http_code} %{size_download} %{size_upload} %{speed_download} %{speed_upload} %{time_total}";

/** Parses the `-w` line written with FORMAT. */
export function parseCurlWrite(line: string, upload: boolean): TransferResult {
  const fields = line.trim().split(/\s+/).map(Number);
  if (fields.length !== 6 || fields.some((n) => !Number.isFinite(n))) throw new Error(`unreadable curl -w output ${JSON.stringify(line)}`);
  const [status, sizeDown, sizeUp, speedDown, speedUp, seconds] = fields;
  return upload
    ? { status, bytes: sizeUp, bytesPerSec: speedUp, seconds }
    : { status, bytes: sizeDown, bytesPerSec: speedDown, seconds };
}

export async function runTransfer(curl: string, t: Transfer): Promise<TransferResult> {
  // `Expect:` off: no 100-continue round trip, the body goes out at once.
  const cmd = [curl, "-sS", "--noproxy", "*", "-o", "/dev/null", "--max-time", String(t.timeoutSec), "-w", FORMAT];
  if (t.uploadFile) cmd.push("-H", "Expect:", "-T", t.uploadFile);
  cmd.push(t.url);
  const result = await runTool("curl", cmd, (t.timeoutSec + 10) * 1000);
  if (result.exitCode !== 0) throw new Error(`curl exited with ${result.exitCode}: ${result.stderr.trim()}`);
  return parseCurlWrite(result.stdout, t.uploadFile !== undefined);
}
