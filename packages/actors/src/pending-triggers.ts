/**
 * The promises of triggers waiting for the statechart to settle: `start()` and
 * `restart()` wait for `started` (or `crashed`), `stop()` waits for `stopped`. Each is
 * memoized while pending, so calling a trigger twice returns the same promise.
 */
import { ActorInterruptedError } from './errors.js';

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A trigger that waits. */
export type WaitingTrigger = 'start' | 'restart' | 'stop';

/** The pending trigger promises of one actor. */
export class PendingTriggers {
  readonly #path: string;
  #start: Deferred | undefined;
  #restart: Deferred | undefined;
  #stop: Deferred | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  /** The pending promise of a trigger, if one is pending. */
  pending(trigger: WaitingTrigger): Promise<void> | undefined {
    return this.#get(trigger)?.promise;
  }

  /** Whether `start()` or `restart()` is waiting, i.e. someone will hear of a crash. */
  get starting(): Promise<void> | undefined {
    return (this.#start ?? this.#restart)?.promise;
  }

  /** Registers a trigger's promise; call before sending the event, which may settle it. */
  open(trigger: WaitingTrigger): Promise<void> {
    const d = deferred();
    if (trigger === 'start') this.#start = d;
    else if (trigger === 'restart') this.#restart = d;
    else this.#stop = d;
    return d.promise;
  }

  #get(trigger: WaitingTrigger): Deferred | undefined {
    return trigger === 'start' ? this.#start : trigger === 'restart' ? this.#restart : this.#stop;
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
   * `stopped` reached: start()/restart() reject as interrupted; stop() resolves, or
   * rejects with `error`. Returns false when `error` had no stop() to go to.
   */
  stopped(error: unknown): boolean {
    const { start, restart } = this.#takeStarting();
    start?.reject(new ActorInterruptedError(this.#path, 'start', 'stop'));
    restart?.reject(new ActorInterruptedError(this.#path, 'restart', 'stop'));
    const stop = this.#stop;
    this.#stop = undefined;
    if (error === undefined) stop?.resolve();
    else stop?.reject(error);
    return error === undefined || stop !== undefined;
  }

  #takeStarting(): { start: Deferred | undefined; restart: Deferred | undefined } {
    const taken = { start: this.#start, restart: this.#restart };
    this.#start = this.#restart = undefined;
    return taken;
  }
}
