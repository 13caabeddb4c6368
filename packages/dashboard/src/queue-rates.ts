/**
 * In and out rates per queue. Brokers do not say how many messages a queue took in
 * (Redis has no counters; RabbitMQ's are in its management plugin), so they are derived
 * from what the dashboard sees:
 * - out: tasks taken from the queue by workers (`task-received`) per second over the
 *   last minute. A task's queue is the one its `task-sent` event named, else the queue
 *   of the worker that received it when that worker consumes a single queue;
 * - in: out plus how fast the queue grew between the first and last length read of the
 *   same minute (messages that arrived = messages that left + growth), at least 0.
 */

/** Seconds the rates are averaged over. */
const WINDOW = 60;

interface QueueCounts {
  /** Received counts per whole second, newest last, at most WINDOW entries. */
  seconds: { second: number; count: number }[];
  /** Length reads of the last window: [unix seconds, length]. */
  lengths: [number, number][];
}

/** Counts per queue. */
export class QueueRates {
  readonly #queues = new Map<string, QueueCounts>();

  #entry(queue: string): QueueCounts {
    let entry = this.#queues.get(queue);
    if (!entry) {
      entry = { seconds: [], lengths: [] };
      this.#queues.set(queue, entry);
      // A bound against unbounded queue names (one per reply queue, say).
      if (this.#queues.size > 1000) this.#queues.delete(this.#queues.keys().next().value!);
    }
    return entry;
  }

  /** A task was taken from `queue` at `at` (unix seconds). */
  taken(queue: string, at: number): void {
    const seconds = this.#entry(queue).seconds;
    const second = Math.floor(at);
    const last = seconds[seconds.length - 1];
    if (last && last.second >= second) last.count += 1;
    else seconds.push({ second, count: 1 });
    while (seconds.length > 0 && seconds[0]!.second <= second - WINDOW) seconds.shift();
  }

  /** `queue` held `length` ready messages at `at` (unix seconds). */
  length(queue: string, length: number, at: number): void {
    const lengths = this.#entry(queue).lengths;
    const last = lengths[lengths.length - 1];
    if (last && last[0] === at) return;
    lengths.push([at, length]);
    while (lengths.length > 2 && lengths[0]![0] < at - WINDOW) lengths.shift();
  }

  /** Tasks per second taken from and put into `queue` over the last minute before `now`. */
  rates(queue: string, now: number): { inRate: number; outRate: number } {
    const entry = this.#queues.get(queue);
    if (!entry) return { inRate: 0, outRate: 0 };
    const from = Math.floor(now) - WINDOW;
    const taken = entry.seconds.filter((s) => s.second > from).reduce((n, s) => n + s.count, 0);
    const outRate = taken / WINDOW;
    const first = entry.lengths[0];
    const last = entry.lengths[entry.lengths.length - 1];
    const span = first && last ? last[0] - first[0] : 0;
    const growth = span > 0 ? (last![1] - first![1]) / span : 0;
    return { inRate: Math.max(0, outRate + growth), outRate };
  }
}
