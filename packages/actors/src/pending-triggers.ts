/**
 * The promises of triggers waiting for the statechart to settle: `start()` and
 * `restart()` wait for `started` (or `crashed`), `stop()` waits for `stopped`. Each is
 * memoized while pending, so calling a trigger twice returns the same promise.
 */
import { ActorInterruptedError } from './errors.js';
import type { StopReport } from './stop-report.js';

interface Deferred<T = void> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The pending trigger promises of one actor. */
export class PendingTriggers {
  readonly #path: string;
  #start: Deferred | undefined;
  #restart: Deferred | undefined;
  #stop: Deferred<StopReport> | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  /** The pending promise of `start()` or `restart()`, if one is pending. */
  pending(trigger: 'start' | 'restart'): Promise<void> | undefined {
    return (trigger === 'start' ? this.#start : this.#restart)?.promise;
  }

  /** The pending promise of `stop()`, if one is pending. */
  get stopping(): Promise<StopReport> | undefined {
    return this.#stop?.promise;
  }

  /** Whether `start()` or `restart()` is waiting, i.e. someone will hear of a crash. */
  get starting(): Promise<void> | undefined {
    return (this.#start ?? this.#restart)?.promise;
  }

  /** Registers a trigger's promise; call before sending the event, which may settle it. */
  open(trigger: 'start' | 'restart'): Promise<void> {
    const d = deferred();
    if (trigger === 'start') this.#start = d;
    else this.#restart = d;
    return d.promise;
  }

  /** Registers `stop()`'s promise; call before sending the event, which may settle it. */
  openStop(): Promise<StopReport> {
    const d = deferred<StopReport>();
    this.#stop = d;
    return d.promise;
  }

  /** `started` reached: start() and restart() resolve. */
  started(): void {
    const { start, restart } = this.#takeStarting();
    start?.resolve();
    restart?.resolve();
  }

  /** `crashed` settled: start() or restart() rejects; false when neither was waiting. */
  crashed(error: unknown): boolean {
    const { start, restart } = this.#takeStarting();
    start?.reject(error);
    restart?.reject(error);
    return start !== undefined || restart !== undefined;
  }

  /**
   * `stopped` reached: start()/restart() reject as interrupted; stop() resolves with
   * `report`, or rejects with `error`. Returns false when `error` had no stop() to go to.
   */
  stopped(report: StopReport, error: unknown): boolean {
    const { start, restart } = this.#takeStarting();
    start?.reject(new ActorInterruptedError(this.#path, 'start', 'stop'));
    restart?.reject(new ActorInterruptedError(this.#path, 'restart', 'stop'));
    const stop = this.#stop;
    this.#stop = undefined;
    if (error === undefined) stop?.resolve(report);
    else stop?.reject(error);
    return error === undefined || stop !== undefined;
  }

  #takeStarting(): { start: Deferred | undefined; restart: Deferred | undefined } {
    const taken = { start: this.#start, restart: this.#restart };
    this.#start = this.#restart = undefined;
    return taken;
  }
}
