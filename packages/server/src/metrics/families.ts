import {
  Counter,
  Histogram,
  type CounterConfiguration,
  type HistogramConfiguration,
  type LabelValues,
} from 'prom-client';

/**
 * Counters and histograms whose label sets are bound once, for the families counted on every
 * request. prom-client's own `inc(labels)` and `observe(labels, value)` hash and validate the
 * label object on every call, and a histogram finds its bucket by a number turned into an object
 * key: with the metrics on, that cost S1 about 9 µs of CPU a token exchange, most of the gap
 * between metrics on and off (docs/benchmarks.md, "Metrics on and off"). Here `child(labels)`
 * does that work once per label set and answers an object that counts in plain numbers; the
 * families read their children when scraped, and prom-client writes the exposition as before.
 */

/** Children are keyed by their label values, in label-name order, joined by a byte no value has. */
const SEPARATOR = '\u0000';

function keyOf<T extends string>(labelNames: readonly T[], labels: LabelValues<T>): string {
  return labelNames.map((name) => String(labels[name] ?? '')).join(SEPARATOR);
}

/** One label set of a CounterFamily. */
export class CounterChild<T extends string = string> {
  count = 0;

  constructor(readonly labels: LabelValues<T>) {}

  inc(): void {
    this.count += 1;
  }
}

/** A prom-client Counter counted through its children. */
export class CounterFamily<T extends string = string> extends Counter<T> {
  readonly #labelNames: readonly T[];
  readonly #children = new Map<string, CounterChild<T>>();

  constructor(config: CounterConfiguration<T>) {
    super(config);
    this.#labelNames = config.labelNames ?? [];
  }

  /** The child of `labels`, made on first use; its series shows (at 0) from then on. */
  child(labels: LabelValues<T> = {}): CounterChild<T> {
    const key = keyOf(this.#labelNames, labels);
    let child = this.#children.get(key);
    if (child === undefined) {
      child = new CounterChild({ ...labels });
      this.#children.set(key, child);
    }
    return child;
  }

  /** The children's counts, through prom-client's own series (a scrape reads them here). */
  override async get(): ReturnType<Counter<T>['get']> {
    this.reset();
    for (const child of this.#children.values()) this.inc(child.labels, child.count);
    return super.get();
  }
}

/** One label set of a HistogramFamily: its count per bucket, sum and count. */
export class HistogramChild<T extends string = string> {
  /** Observations per bucket (not cumulative); the last is above every bound (`+Inf` only). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: LabelValues<T>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    // prom-client refuses these too: one NaN would make the sum NaN for the life of the process.
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let i = 0;
    // The first bucket whose upper bound is at least the value (Prometheus' `le`).
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

/** One line of a family as prom-client's registry writes it (prom-client 15, lib/registry.js). */
interface ExportedValue {
  value: number;
  labels: LabelValues<string>;
  metricName: string;
  sharedLabels: LabelValues<string>;
}

/** A prom-client Histogram observed through its children. */
export class HistogramFamily<T extends string = string> extends Histogram<T> {
  readonly #config: HistogramConfiguration<T>;
  readonly #labelNames: readonly T[];
  readonly #bounds: readonly number[];
  readonly #children = new Map<string, HistogramChild<T>>();

  constructor(config: HistogramConfiguration<T> & { buckets: number[] }) {
    super(config);
    this.#config = config;
    this.#labelNames = config.labelNames ?? [];
    this.#bounds = [...config.buckets];
  }

  /** The child of `labels`, made on first use; its series show from then on. */
  child(labels: LabelValues<T> = {}): HistogramChild<T> {
    const key = keyOf(this.#labelNames, labels);
    let child = this.#children.get(key);
    if (child === undefined) {
      child = new HistogramChild({ ...labels }, this.#bounds);
      this.#children.set(key, child);
    }
    return child;
  }

  /**
   * What prom-client's registry reads to write a histogram (its own Histogram reads its hashMap
   * here, and `get()` reads through this): `_bucket` per bound (cumulative) and `+Inf`, `_sum`
   * and `_count`, the child's labels after `le`, as prom-client writes them.
   */
  getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    values: ExportedValue[];
    aggregator: string;
  }> {
    const { name, help, aggregator = 'sum' } = this.#config;
    const bucket = `${name}_bucket`;
    const values: ExportedValue[] = [];
    for (const child of this.#children.values()) {
      const sharedLabels = child.labels;
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += child.counts[i]!;
        values.push({ value: cumulative, labels: { le }, metricName: bucket, sharedLabels });
      });
      values.push(
        { value: child.count, labels: { le: '+Inf' }, metricName: bucket, sharedLabels },
        { value: child.sum, labels: {}, metricName: `${name}_sum`, sharedLabels },
        { value: child.count, labels: {}, metricName: `${name}_count`, sharedLabels },
      );
    }
    return Promise.resolve({ name, help, type: 'histogram', values, aggregator });
  }
}
