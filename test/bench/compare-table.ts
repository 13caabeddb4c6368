/**
 * The table of `npm run bench:compare`: the figures issue 21 sets targets for, from the
 * JSON lines of the benches, one Markdown row each. Lines it does not know are skipped and
 * a figure without a target is shown without one, so a bench may add lines freely;
 * per-round lines are left to the bench's own summary lines.
 */

/** One JSON line of a bench (at least `bench`). */
export type BenchLine = Record<string, unknown> & { bench: string };

/** The fields shown, in this order. */
const FIGURES = ['tasks_per_s', 'mb_per_s', 'p50_ms', 'p99_ms', 'rss_mb', 'growth_mb'] as const;

interface Target {
  /** The line's bench starts with this. */
  bench: string;
  /** The line's system is this, or (ending in '.') starts with it. */
  system: string;
  field: string;
  at: 'least' | 'most';
  value: number;
}

/** Issue 21's targets. */
const TARGETS: readonly Target[] = [
  {
    bench: 'redis.throughput',
    system: 'celeriac',
    field: 'ratio_vs_bullmq',
    at: 'least',
    value: 2,
  },
  { bench: 'redis.throughput', system: 'celeriac', field: 'ratio_vs_raw', at: 'least', value: 1 },
  {
    bench: 'redis.throughput',
    system: 'celeriac.results',
    field: 'ratio_vs_bullmq',
    at: 'least',
    value: 2,
  },
  {
    bench: 'redis.throughput',
    system: 'celeriac.results',
    field: 'ratio_vs_no_results',
    at: 'least',
    value: 0.75,
  },
  { bench: 'redis.latency', system: 'celeriac', field: 'p99_ms', at: 'most', value: 2 },
  { bench: 'amqp.consume', system: 'celeriac', field: 'ratio_vs_raw', at: 'least', value: 1 },
  { bench: 'amqp.latency', system: 'celeriac', field: 'p99_ms', at: 'most', value: 2 },
  { bench: 'footprint.idle', system: 'celeriac.', field: 'rss_mb', at: 'most', value: 60 },
  { bench: 'footprint.growth', system: 'celeriac.', field: 'growth_mb', at: 'most', value: 20 },
];

/** Parse the JSON lines among `output`'s lines (others, and malformed ones, are skipped). */
export function benchLines(output: string): BenchLine[] {
  const lines: BenchLine[] = [];
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null && 'bench' in value) {
        const line = value as BenchLine;
        if (typeof line.bench === 'string') lines.push(line);
      }
    } catch {
      // Not a figure: a bench may print other JSON-looking text.
    }
  }
  return lines;
}

function targetOf(line: BenchLine, field: string): Target | undefined {
  const system = typeof line['system'] === 'string' ? line['system'] : '';
  return TARGETS.find(
    (t) =>
      t.field === field &&
      line.bench === t.bench &&
      (t.system.endsWith('.') ? system.startsWith(t.system) : system === t.system),
  );
}

function fieldsOf(line: BenchLine): string[] {
  const ratios = Object.keys(line).filter((key) => key.startsWith('ratio_vs_'));
  return [...FIGURES.filter((field) => field in line), ...ratios.sort()];
}

/** One Markdown row per figure of `lines`. */
export function markdownTable(lines: readonly BenchLine[]): string {
  const rows = ['| system | figure | value | target | met? |', '| --- | --- | --- | --- | --- |'];
  for (const line of lines) {
    // Per-round lines (`….round`) feed the bench's own medians; the table shows those.
    if (line.bench.endsWith('.round')) continue;
    const system = typeof line['system'] === 'string' ? line['system'] : '—';
    for (const field of fieldsOf(line)) {
      const value = line[field];
      if (typeof value !== 'number') continue;
      const target = targetOf(line, field);
      const wanted = target ? `${target.at === 'least' ? '≥' : '≤'} ${target.value}` : '';
      const met = !target
        ? ''
        : (target.at === 'least' ? value >= target.value : value <= target.value)
          ? 'yes'
          : 'no';
      rows.push(`| ${system} | ${line.bench} ${field} | ${value} | ${wanted} | ${met} |`);
    }
  }
  return rows.join('\n');
}
