/**
 * Exponential backoff with jitter, shared by task retries and supervisor restarts.
 */

/** How long to wait before the n-th retry or restart. */
export interface BackoffPolicy {
  /** Delay before the first retry, in milliseconds. */
  readonly initialMs: number;
  /** Upper bound of any delay, in milliseconds. Default: no bound. */
  readonly maxMs?: number;
  /** Growth per attempt. Default 2. */
  readonly factor?: number;
  /**
   * Fraction of the delay randomised either way: 0.2 spreads a 1,000 ms delay over
   * 800–1,200 ms. Default 0 for task retries, 0.2 for supervisor restarts.
   */
  readonly jitter?: number;
}

/** A source of uniform numbers in [0, 1); injectable so tests can pin jitter. */
export type RandomSource = () => number;

/**
 * The delay before attempt `n` (0-based: `n = 0` is the first retry):
 * `min(maxMs, initialMs × factor^n)`, spread by ±`jitter` using `random`, never negative,
 * never above `maxMs`.
 */
export function backoffDelay(
  policy: BackoffPolicy,
  n: number,
  random: RandomSource,
  defaultJitter = 0,
): number {
  const max = policy.maxMs ?? Number.POSITIVE_INFINITY;
  const base = Math.min(max, policy.initialMs * (policy.factor ?? 2) ** n);
  const jitter = policy.jitter ?? defaultJitter;
  if (jitter === 0) return base;
  const spread = base * jitter * (2 * random() - 1);
  return Math.max(0, Math.min(max, Math.round(base + spread)));
}

/**
 * A small deterministic generator (mulberry32) for seeded jitter in tests and simulations.
 *
 * @example
 * ```ts
 * createActorSystem({ clock, random: seededRandom(42) });
 * ```
 */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
