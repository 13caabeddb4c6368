/**
 * Celery's automatic retry backoff (`celery/utils/time.py get_exponential_backoff_interval`).
 */

/** Inputs of {@link backoffCountdownMs}. */
export interface BackoffOptions {
  /** Base factor in seconds (`retryBackoff: true` means 1). */
  factorSeconds: number;
  /** Retries done so far (the request's `retries`). */
  retries: number;
  /** Cap in seconds; Celery's default 600. */
  maxSeconds: number;
  /** Pick uniformly in [0, countdown] (Celery's `retry_jitter`, default true). */
  jitter: boolean;
  /** Source of randomness in [0, 1); default `Math.random`. */
  random?: () => number;
}

/** The countdown of the next automatic retry, in ms: `min(max, factor·2^retries)`, jittered. */
export function backoffCountdownMs(options: BackoffOptions): number {
  const countdown = Math.min(options.maxSeconds, options.factorSeconds * 2 ** options.retries);
  if (!options.jitter) return Math.max(0, countdown) * 1000;
  // Python: random.randrange(countdown + 1) on an integer countdown.
  const whole = Math.floor(Math.max(0, countdown));
  return Math.floor((options.random ?? Math.random)() * (whole + 1)) * 1000;
}
