/**
 * Waiting on the injected clock: until a time, until woken (an entry changed), or until
 * the beat stops — whichever comes first.
 */
import type { Clock } from '@celeriac/actors';

/** Wakes a sleeping loop early; one `wake()` ends the current (or the next) wait. */
export class Wakeup {
  #pending = false;
  #resolve: (() => void) | undefined;

  /** End the current wait, or the next one at once. */
  wake(): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    if (resolve === undefined) this.#pending = true;
    else resolve();
  }

  /**
   * Wait `ms` on `clock`; resolves early on {@link Wakeup.wake}, rejects with the signal's
   * reason when it aborts.
   */
  sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason as Error);
        return;
      }
      if (this.#pending) {
        this.#pending = false;
        resolve();
        return;
      }
      const finish = (): void => {
        clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (this.#resolve === woken) this.#resolve = undefined;
      };
      const woken = (): void => {
        finish();
        resolve();
      };
      const onAbort = (): void => {
        finish();
        reject(signal.reason as Error);
      };
      const timer = clock.setTimeout(woken, Math.max(0, ms));
      this.#resolve = woken;
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Waits for `promise`, but at most `ms` on `clock`; `undefined` when the time ran out. */
export function within<T>(clock: Clock, ms: number, promise: Promise<T>): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const timer = clock.setTimeout(() => resolve(undefined), ms);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the store's error, passed through as thrown
        reject(error);
      },
    );
  });
}
