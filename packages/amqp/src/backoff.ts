/**
 * Reconnection delays: exponential backoff with jitter, so a fleet of workers that lost
 * the same broker does not reconnect in lockstep.
 */

/** How reconnection attempts are spaced. */
export interface BackoffOptions {
  /** Delay before the first retry. Default 100 ms. */
  initialDelayMs?: number;
  /** Upper bound of any delay. Default 10 000 ms. */
  maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Fraction of each delay drawn at random (0 = none, 1 = full jitter). Default 0.5. */
  jitter?: number;
}

/**
 * The delay before retry number `attempt` (1-based): `initial × factor^(attempt-1)`,
 * capped at `maxDelayMs`, of which a `jitter` fraction is random.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random = Math.random,
): number {
  const initial = options.initialDelayMs ?? 100;
  const max = Math.max(initial, options.maxDelayMs ?? 10_000);
  const factor = Math.max(1, options.factor ?? 2);
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const base = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}
