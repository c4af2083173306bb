// Medians, the printed table and the JSON written to .tmp/bench-result.json.
import type { Measurement, Metric, SideSamples } from "./cases.ts";

export function median(values: number[]): number | undefined {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; undefined when empty. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface SideSummary {
  label: string;
  /** Median throughput over rounds (req/s or bytes/s). */
  value?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Highest RSS seen over all rounds, KiB. */
  peakRssKiB?: number;
  errors: number;
  samples: Measurement[];
}

export interface CaseResult {
  id: string;
  title: string;
  metric: Metric;
  baseline?: SideSummary;
  subject?: SideSummary;
  /** subject / baseline throughput; above 1 means the subject is faster. */
  ratio?: number;
  /**
   * Lowest and highest ratio of the rounds taken one by one (round i's
   * subject over round i's baseline, run back to back): the spread a single
   * ratio of medians hides when the machine's speed drifts between rounds.
   */
  roundRatios?: [min: number, max: number];
}

/** Per-round subject/baseline ratios, paired by round; undefined without a pair. */
export function roundRatioRange(baseline: Measurement[], subject: Measurement[]): [number, number] | undefined {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(baseline.length, subject.length); i++) {
    if (baseline[i].value > 0 && Number.isFinite(subject[i].value)) ratios.push(subject[i].value / baseline[i].value);
  }
  return ratios.length ? [Math.min(...ratios), Math.max(...ratios)] : undefined;
}

export function summarize(side: SideSamples): SideSummary {
  const s = side.samples;
  const pick = (f: (m: Measurement) => number | undefined) => median(s.map(f).filter((v): v is number => v !== undefined));
  return {
    label: side.label,
    value: pick((m) => m.value),
    p50Ms: pick((m) => m.p50Ms),
    p99Ms: pick((m) => m.p99Ms),
    peakRssKiB: s.length ? Math.max(...s.map((m) => m.peakRssKiB)) : undefined,
    errors: s.reduce((sum, m) => sum + m.errors, 0),
    samples: s,
  };
}

export function caseResult(id: string, title: string, metric: Metric, baseline?: SideSamples, subject?: SideSamples): CaseResult {
  const b = baseline && summarize(baseline);
  const s = subject && summarize(subject);
  const ratio = b?.value && s?.value !== undefined ? s.value / b.value : undefined;
  const roundRatios = baseline && subject ? roundRatioRange(baseline.samples, subject.samples) : undefined;
  return { id, title, metric, baseline: b, subject: s, ratio, roundRatios };
}

function throughput(metric: Metric, side?: SideSummary): string {
  if (side?.value === undefined) return "-";
  const text = metric === "bytes/s" ? `${(side.value / 1024 ** 2).toFixed(0)} MiB/s` : Math.round(side.value).toLocaleString("en-US");
  return side.errors ? `${text} (${side.errors} err!)` : text;
}

const ms = (v?: number) => (v === undefined ? "-" : v.toFixed(2));
const mib = (v?: number) => (v === undefined ? "-" : (v / 1024).toFixed(1));
const pair = (a: string, b: string) => `${a} / ${b}`;

/** A plain-text table, one row per case; `a / b` cells are baseline / subject. */
export function formatTable(results: CaseResult[]): string {
  const header = ["case", "baseline", "subject", "ratio", "rounds", "p50 ms", "p99 ms", "peak RSS MiB"];
  const rows = results.map((r) => [
    `${r.id}: ${r.baseline?.label ?? "-"} vs ${r.subject?.label ?? "-"}`,
    throughput(r.metric, r.baseline),
    throughput(r.metric, r.subject),
    r.ratio === undefined ? "-" : `${r.ratio.toFixed(2)}x`,
    r.roundRatios === undefined ? "-" : `${r.roundRatios[0].toFixed(2)}-${r.roundRatios[1].toFixed(2)}`,
    pair(ms(r.baseline?.p50Ms), ms(r.subject?.p50Ms)),
    pair(ms(r.baseline?.p99Ms), ms(r.subject?.p99Ms)),
    pair(mib(r.baseline?.peakRssKiB), mib(r.subject?.peakRssKiB)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
