/**
 * The ETA timer: holds messages with a future `eta` (countdowns, retries) unacked in
 * memory until due, without occupying an executor, then hands them on. Each held message
 * raises the consumer's prefetch by one (Celery's `qos.increment_eventually`).
 */
import type { WorkerClock } from './clock.js';
import { RequestPhase, type TaskRequest } from './task-request.js';

/** Options of {@link EtaTimer}. */
export interface EtaTimerOptions {
  clock: WorkerClock;
  /** Called when a held request is due. */
  onDue: (request: TaskRequest) => void;
  /** Called with +1 / -1 as requests are held and released (prefetch bump). */
  onHeldChange?: (delta: number) => void;
}

/** Longest single wait; longer ETAs re-arm, so clock jumps and huge delays stay correct. */
const MAX_WAIT_MS = 2 ** 30;

/** Holds ETA requests until due. */
export class EtaTimer {
  readonly #options: EtaTimerOptions;
  readonly #held = new Map<string, { request: TaskRequest; handle: unknown }>();
  #seq = 0;

  constructor(options: EtaTimerOptions) {
    this.#options = options;
  }

  /** Hold `request` until its `eta`. */
  schedule(request: TaskRequest): void {
    request.phase = RequestPhase.scheduled;
    // A retried task re-published with the same id may meet its old copy: key by delivery.
    const key = `${request.id}#${++this.#seq}`;
    const entry = { request, handle: undefined as unknown };
    this.#held.set(key, entry);
    this.#options.onHeldChange?.(1);
    this.#arm(key, entry);
  }

  #arm(key: string, entry: { request: TaskRequest; handle: unknown }): void {
    const wait = Math.max(0, (entry.request.eta ?? 0) - this.#options.clock.now());
    entry.handle = this.#options.clock.setTimeout(
      () => {
        if (!this.#held.has(key)) return;
        if ((entry.request.eta ?? 0) > this.#options.clock.now()) {
          this.#arm(key, entry);
          return;
        }
        this.#held.delete(key);
        this.#options.onHeldChange?.(-1);
        this.#options.onDue(entry.request);
      },
      Math.min(wait, MAX_WAIT_MS),
    );
  }

  /** Requests held now, soonest first. */
  scheduled(): TaskRequest[] {
    return [...this.#held.values()]
      .map((entry) => entry.request)
      .sort((a, b) => (a.eta ?? 0) - (b.eta ?? 0));
  }

  /** Number of held requests. */
  get size(): number {
    return this.#held.size;
  }

  /** Stop holding requests whose id is `taskId`; returns them. */
  take(taskId: string): TaskRequest[] {
    const taken: TaskRequest[] = [];
    for (const [key, entry] of this.#held) {
      if (entry.request.id !== taskId) continue;
      this.#options.clock.clearTimeout(entry.handle);
      this.#held.delete(key);
      this.#options.onHeldChange?.(-1);
      taken.push(entry.request);
    }
    return taken;
  }

  /** Release everything (shutdown): timers cleared, requests returned for requeueing. */
  drain(): TaskRequest[] {
    const all = [...this.#held.values()];
    for (const entry of all) this.#options.clock.clearTimeout(entry.handle);
    this.#held.clear();
    if (all.length > 0) this.#options.onHeldChange?.(-all.length);
    return all.map((entry) => entry.request);
  }
}
