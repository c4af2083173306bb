// Metric families whose series are plain objects bumped in place on the
// request path (no label hashing or validation per call, unlike prom-client's
// own Counter/Histogram), exported through a prom-client Registry, which
// reads them with get() at scrape time and does the text formatting.
import type { Metric, Registry } from "prom-client";

type Labels = Record<string, string>;
interface ExportValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

export class ScalarSeries {
  value = 0;
  constructor(readonly labels: Labels) {}
}

export class HistogramSeries {
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
}

abstract class Family<S extends { labels: Labels }> {
  readonly aggregator = "sum";
  protected readonly series = new Map<string, S>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
    readonly labelNames: readonly string[],
  ) {}

  protected abstract make(labels: Labels): S;

  /** The series for these label values (in labelNames order), created at first use. */
  child(values: readonly string[], key = values.join("\u0000")): S {
    let s = this.series.get(key);
    if (!s) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i] ?? ""));
      s = this.make(labels);
      this.series.set(key, s);
    }
    return s;
  }

  /** Drops every series whose `label` equals `value` (a removed service or router). */
  removeWhere(label: string, value: string): void {
    this.removeIf((labels) => labels[label] === value);
  }

  removeIf(pred: (labels: Readonly<Labels>) => boolean): void {
    for (const [key, s] of this.series) if (pred(s.labels)) this.series.delete(key);
  }

  protected abstract values(): ExportValue[];

  /** What prom-client's Registry reads when it renders. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExportValue[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.values() };
  }

  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric<string>);
    return this;
  }
}

export class CounterFamily extends Family<ScalarSeries> {
  constructor(name: string, help: string, labelNames: readonly string[]) {
    super(name, help, "counter", labelNames);
  }
  protected make(labels: Labels) {
    return new ScalarSeries(labels);
  }
  protected values(): ExportValue[] {
    return [...this.series.values()].map((s) => ({ value: s.value, labels: s.labels }));
  }
}

export class GaugeFamily extends Family<ScalarSeries> {
  constructor(name: string, help: string, labelNames: readonly string[]) {
    super(name, help, "gauge", labelNames);
  }
  protected make(labels: Labels) {
    return new ScalarSeries(labels);
  }
  protected values(): ExportValue[] {
    return [...this.series.values()].map((s) => ({ value: s.value, labels: s.labels }));
  }
}

export class HistogramFamily extends Family<HistogramSeries> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    super(name, help, "histogram", labelNames);
  }
  protected make(labels: Labels) {
    return new HistogramSeries(labels, this.bounds);
  }
  protected values(): ExportValue[] {
    const out: ExportValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.counts[i]!;
        out.push({ metricName: bucket, labels: { ...s.labels, le }, value: acc });
      });
      out.push({ metricName: bucket, labels: { ...s.labels, le: "+Inf" }, value: s.count });
      out.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      out.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return out;
  }
}
