/**
 * Bounded waiting for conformance tests: poll a condition until it holds or a deadline
 * passes, so tests never sleep a fixed time when a condition can be observed.
 */

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds (default 5000). */
  timeoutMs?: number;
  /** Milliseconds between checks (default 5). */
  intervalMs?: number;
  /** Names what was awaited in the timeout error. */
  description?: string;
}

/** The condition awaited by {@link waitFor} did not hold in time. */
export class WaitForTimeoutError extends Error {
  /** Stable code, like celeriac's own errors. */
  readonly code = 'ERR_WAIT_FOR_TIMEOUT';
  constructor(description: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(`Timed out after ${timeoutMs} ms waiting for ${description}`, options);
    this.name = 'WaitForTimeoutError';
  }
}

/**
 * Resolve with the first truthy value `predicate` returns, checking every `intervalMs`;
 * reject with {@link WaitForTimeoutError} after `timeoutMs`. A predicate that throws is
 * treated as "not yet" and its last error becomes the timeout's cause.
 *
 * @example
 * ```ts
 * await waitFor(async () => (await transport.queueLength('q')) === 0, { timeoutMs: 2000 });
 * ```
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitForOptions | number = {},
): Promise<Exclude<T, false | 0 | '' | null | undefined>> {
  const opts = typeof options === 'number' ? { timeoutMs: options } : options;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const intervalMs = opts.intervalMs ?? 5;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as Exclude<T, false | 0 | '' | null | undefined>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new WaitForTimeoutError(
        opts.description ?? 'a condition',
        timeoutMs,
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    await sleep(intervalMs);
  }
}

/**
 * Wait `ms` milliseconds. Only for asserting that something does *not* happen (a quiet
 * period); to wait for something that does happen use {@link waitFor}.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
