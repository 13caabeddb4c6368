/**
 * Counters a dashboard can chart, from the task events the monitor sees: totals since
 * it started, per-second buckets of the last minutes (received, started, succeeded,
 * failed, retried, revoked) on the monitor's own clock, and runtime percentiles over the
 * most recent runtimes, overall and per task name. All bounded: a fixed ring of seconds,
 * a fixed number of runtimes per name, a fixed number of names.
 */

/** The outcomes counted. */
export const CountedEvent = {
  received: 'received',
  started: 'started',
  succeeded: 'succeeded',
  failed: 'failed',
  retried: 'retried',
  revoked: 'revoked',
} as const;
/** One of the values of {@link CountedEvent}. */
export type CountedEvent = (typeof CountedEvent)[keyof typeof CountedEvent];

/** Counts of one second (or totals). */
export type EventCounts = Record<CountedEvent, number>;

/** One second of the throughput series. */
export interface SecondCounts extends EventCounts {
  /** The second (unix seconds, whole). */
  readonly second: number;
}

/** Runtime percentiles in seconds over the most recent runtimes. */
export interface RuntimeStats {
  readonly count: number;
  readonly mean: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Options of {@link Counters}. */
export interface CountersOptions {
  /** Seconds of per-second buckets kept; default 600. */
  seconds?: number;
  /** Runtimes kept per task name and overall; default 1,024. */
  runtimes?: number;
  /** Task names tracked separately; default 500 (further names count only overall). */
  names?: number;
}

function zero(): EventCounts {
  return { received: 0, started: 0, succeeded: 0, failed: 0, retried: 0, revoked: 0 };
}

/** A fixed-size ring of numbers. */
class Ring {
  readonly #values: number[] = [];
  #next = 0;
  constructor(readonly size: number) {}
  push(value: number): void {
    if (this.#values.length < this.size) this.#values.push(value);
    else this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.size;
  }
  values(): readonly number[] {
    return this.#values;
  }
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  // Nearest rank.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The monitor's counters. */
export class Counters {
  readonly #totals = zero();
  readonly #seconds: SecondCounts[];
  readonly #runtimes: Ring;
  readonly #byName = new Map<string, Ring>();
  readonly #o: Required<CountersOptions>;

  constructor(options: CountersOptions = {}) {
    this.#o = {
      seconds: options.seconds ?? 600,
      runtimes: options.runtimes ?? 1024,
      names: options.names ?? 500,
    };
    this.#seconds = [];
    this.#runtimes = new Ring(this.#o.runtimes);
  }

  /** Totals since the monitor started. */
  get totals(): Readonly<EventCounts> {
    return this.#totals;
  }

  /** Count one event at `at` (unix seconds, the monitor's clock). */
  count(event: CountedEvent, at: number): void {
    this.#totals[event] += 1;
    this.#bucket(Math.floor(at))[event] += 1;
  }

  /** Record a task's runtime (seconds). */
  runtime(name: string | null, seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    this.#runtimes.push(seconds);
    if (name === null) return;
    let ring = this.#byName.get(name);
    if (!ring) {
      if (this.#byName.size >= this.#o.names) return;
      ring = new Ring(this.#o.runtimes);
      this.#byName.set(name, ring);
    }
    ring.push(seconds);
  }

  /**
   * The last `seconds` whole seconds before `now` (unix seconds), oldest first, with
   * zeros for seconds without events: a chart's series.
   */
  series(now: number, seconds = 60): SecondCounts[] {
    const end = Math.floor(now);
    const span = Math.min(seconds, this.#o.seconds);
    const known = new Map(this.#seconds.map((s) => [s.second, s]));
    const out: SecondCounts[] = [];
    for (let second = end - span + 1; second <= end; second++) {
      out.push(known.get(second) ?? { second, ...zero() });
    }
    return out;
  }

  /** Events per second over the last `window` seconds before `now`. */
  rate(event: CountedEvent, now: number, window = 60): number {
    const series = this.series(now, window);
    return series.reduce((sum, s) => sum + s[event], 0) / series.length;
  }

  /** Runtime percentiles, overall or for one task name. */
  runtimeStats(name?: string): RuntimeStats {
    const ring = name === undefined ? this.#runtimes : this.#byName.get(name);
    const sorted = [...(ring?.values() ?? [])].sort((a, b) => a - b);
    const sum = sorted.reduce((a, b) => a + b, 0);
    return {
      count: sorted.length,
      mean: sorted.length === 0 ? null : sum / sorted.length,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.length === 0 ? null : sorted[sorted.length - 1]!,
    };
  }

  /** Task names with runtimes tracked separately. */
  names(): string[] {
    return [...this.#byName.keys()];
  }

  #bucket(second: number): SecondCounts {
    const last = this.#seconds[this.#seconds.length - 1];
    if (last && last.second === second) return last;
    if (!last || second > last.second) {
      const bucket = { second, ...zero() };
      this.#seconds.push(bucket);
      while (this.#seconds.length > 0 && this.#seconds[0]!.second <= second - this.#o.seconds) {
        this.#seconds.shift();
      }
      return bucket;
    }
    // An earlier second (the clock stepped back): find or insert it in order.
    let at = this.#seconds.length - 1;
    while (at >= 0 && this.#seconds[at]!.second > second) at -= 1;
    if (at >= 0 && this.#seconds[at]!.second === second) return this.#seconds[at]!;
    const bucket = { second, ...zero() };
    this.#seconds.splice(at + 1, 0, bucket);
    return bucket;
  }
}
