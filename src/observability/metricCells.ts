import type { Metric, Registry } from 'prom-client';

/** One series of a counter family: `inc` is two additions, nothing else. */
export interface CounterCell {
  inc(by?: number): void;
}

/** One series of a histogram family: `observe` finds a bucket and adds; no strings, no allocation. */
export interface HistogramCell {
  observe(value: number): void;
}

export interface CellFamily<Cell> {
  /**
   * The series for these label values, in `labelNames` order: created on the first call, the same
   * object after. Call it once per label set at setup (or cache what it returns): it builds a key.
   */
  cell(...labelValues: string[]): Cell;
}

interface FamilyOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
}

/**
 * Counters and histograms for the hot path, rendered by a prom-client registry. prom-client's own
 * `labels(...).observe()` hashes the label object into a string and allocates on every call (about
 * 0.9 µs per histogram observation and 0.3 µs per counter increment on the bench machine, against
 * 0.01 µs here): these families keep one plain cell per label set, created once, and hand prom-client
 * the values only when /metrics is scraped. The text format is prom-client's (same names, labels, `le`).
 */
export function createCounterFamily(registry: Registry, options: FamilyOptions): CellFamily<CounterCell> {
  const cells = new Map<string, { labels: Record<string, string>; value: number }>();
  const reset = () => cells.forEach((entry) => (entry.value = 0));
  register(registry, options.name, reset, () => ({
    name: options.name,
    help: options.help,
    type: 'counter',
    aggregator: 'sum',
    values: [...cells.values()].map(({ labels, value }) => ({ labels, value })),
  }));
  return {
    cell(...labelValues) {
      const key = labelValues.join('\u0000');
      let entry = cells.get(key);
      if (!entry) {
        entry = { labels: toLabels(options.labelNames, labelValues), value: 0 };
        cells.set(key, entry);
      }
      const held = entry;
      return {
        inc(by = 1) {
          held.value += by;
        },
      };
    },
  };
}

/** A histogram family (see createCounterFamily); `buckets` are upper bounds in ascending order. */
export function createHistogramFamily(registry: Registry, options: FamilyOptions & { buckets: readonly number[] }): CellFamily<HistogramCell> {
  const bounds = [...options.buckets];
  const cells = new Map<string, { labels: Record<string, string>; counts: Float64Array; sum: { value: number } }>();
  const reset = () =>
    cells.forEach((entry) => {
      entry.counts.fill(0);
      entry.sum.value = 0;
    });
  register(registry, options.name, reset, () => {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const { labels, counts, sum } of cells.values()) {
      let cumulative = 0;
      bounds.forEach((bound, index) => {
        cumulative += counts[index] ?? 0;
        values.push({ labels: { le: bound, ...labels }, value: cumulative, metricName: `${options.name}_bucket` });
      });
      cumulative += counts[bounds.length] ?? 0;
      values.push({ labels: { le: '+Inf', ...labels }, value: cumulative, metricName: `${options.name}_bucket` });
      values.push({ labels, value: sum.value, metricName: `${options.name}_sum` });
      values.push({ labels, value: cumulative, metricName: `${options.name}_count` });
    }
    return { name: options.name, help: options.help, type: 'histogram', aggregator: 'sum', values };
  });
  return {
    cell(...labelValues) {
      const key = labelValues.join('\u0000');
      let entry = cells.get(key);
      if (!entry) {
        entry = { labels: toLabels(options.labelNames, labelValues), counts: new Float64Array(bounds.length + 1), sum: { value: 0 } };
        cells.set(key, entry);
      }
      const { counts, sum } = entry;
      const last = bounds.length;
      return {
        observe(value) {
          let index = 0;
          while (index < last && value > (bounds[index] as number)) index++;
          counts[index] = (counts[index] as number) + 1;
          sum.value += value;
        },
      };
    },
  };
}

function toLabels(names: readonly string[], values: readonly string[]): Record<string, string> {
  if (names.length !== values.length) throw new Error(`expected ${names.length} label values, got ${values.length}`);
  const labels: Record<string, string> = {};
  names.forEach((name, index) => {
    labels[name] = values[index] as string;
  });
  return labels;
}

/** prom-client renders any registered object with a name and an async `get()` (`reset()`: resetMetrics). */
function register(registry: Registry, name: string, reset: () => void, get: () => unknown): void {
  const metric = { name, reset, get: async () => get() };
  registry.registerMetric(metric as unknown as Metric);
}
