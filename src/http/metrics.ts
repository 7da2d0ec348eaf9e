/** A tiny Prometheus text registry: counters with labels, rendered on GET /metrics. */
export interface Metrics {
  inc(name: string, labels?: Record<string, string>, by?: number): void;
  render(): string;
}

export function createMetrics(help: Record<string, string>): Metrics {
  const counters = new Map<string, Map<string, number>>();
  const labelText = (labels: Record<string, string>) => {
    const entries = Object.entries(labels);
    return entries.length ? `{${entries.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}` : '';
  };
  return {
    inc(name, labels = {}, by = 1) {
      let series = counters.get(name);
      if (!series) counters.set(name, (series = new Map()));
      const key = labelText(labels);
      series.set(key, (series.get(key) ?? 0) + by);
    },
    render() {
      const lines: string[] = [];
      for (const [name, series] of counters) {
        lines.push(`# HELP ${name} ${help[name] ?? name}`, `# TYPE ${name} counter`);
        for (const [labels, value] of series) lines.push(`${name}${labels} ${value}`);
      }
      return lines.join('\n') + '\n';
    },
  };
}
