/**
 * Per-task execution options (Celery's task attributes), their defaults, and how the
 * app-wide defaults and a message's `timelimit` header combine with them.
 */
import { InvalidOptionError } from './errors.js';
import { parseRateLimit } from './pipeline/rate-limit.js';

/** An error class, or a predicate over the thrown value. */
export type ErrorMatcher =
  readonly (abstract new (...args: never[]) => unknown)[] | ((error: unknown) => boolean);

/** Options of one task; every field has an app-wide default (see {@link DEFAULT_TASK_OPTIONS}). */
export interface TaskOptions {
  /** Ack after the task ends instead of when an executor accepts it. Default false. */
  acksLate?: boolean;
  /** With `acksLate`: ack failures and hard time limits too (else reject). Default true. */
  acksOnFailureOrTimeout?: boolean;
  /** With `acksLate`: when the executor is lost, requeue instead of recording FAILURE. */
  rejectOnWorkerLost?: boolean;
  /** Errors that trigger an automatic retry (classes, or a predicate). */
  autoretryFor?: ErrorMatcher;
  /** Most retries; `null` retries forever. Default 3. */
  maxRetries?: number | null;
  /** Countdown of a retry without one, in seconds. Default 180. */
  defaultRetryDelay?: number;
  /** Exponential backoff for automatic retries: `true` = factor 1 s, or the factor in s. */
  retryBackoff?: boolean | number;
  /** Backoff cap in seconds. Default 600. */
  retryBackoffMax?: number;
  /** Randomize the backoff within [0, countdown]. Default true. */
  retryJitter?: boolean;
  /** `"10/s"`, `"100/m"`, `"5/h"` (per worker); null for none. */
  rateLimit?: string | number | null;
  /**
   * Hard time limit in seconds: the unit running the task is ended (a thread terminated,
   * a child process killed; on the async pool the handler is abandoned) and the task is
   * recorded as FAILURE `TimeLimitExceeded`. `null` or 0 (Celery's `time_limit=0`): none.
   */
  timeLimit?: number | null;
  /**
   * Soft time limit in seconds: the task's signal aborts with `SoftTimeLimitExceeded`.
   * `null` or 0: none.
   */
  softTimeLimit?: number | null;
  /** Store STARTED `{pid, hostname}` when execution begins. Default false. */
  trackStarted?: boolean;
  /** Do not store results. Default false. */
  ignoreResult?: boolean;
}

/** Options with every default applied. */
export type ResolvedTaskOptions = Required<Omit<TaskOptions, 'autoretryFor'>> & {
  autoretryFor: ErrorMatcher | undefined;
  /** Tasks per ms from `rateLimit`, null for none. */
  rateLimitPerMs: number | null;
};

/** Celery 5.2's defaults. */
export const DEFAULT_TASK_OPTIONS = {
  acksLate: false,
  acksOnFailureOrTimeout: true,
  rejectOnWorkerLost: false,
  maxRetries: 3,
  defaultRetryDelay: 180,
  retryBackoff: false,
  retryBackoffMax: 600,
  retryJitter: true,
  rateLimit: null,
  timeLimit: null,
  softTimeLimit: null,
  trackStarted: false,
  ignoreResult: false,
} as const satisfies TaskOptions;

/** Merge task options over app defaults over Celery's defaults, and validate them. */
export function resolveTaskOptions(
  task: TaskOptions = {},
  app: TaskOptions = {},
): ResolvedTaskOptions {
  const pick = <K extends keyof TaskOptions>(key: K) =>
    task[key] !== undefined ? task[key] : app[key] !== undefined ? app[key] : undefined;
  const merged = { ...DEFAULT_TASK_OPTIONS } as Record<string, unknown>;
  for (const key of Object.keys(DEFAULT_TASK_OPTIONS) as (keyof typeof DEFAULT_TASK_OPTIONS)[]) {
    const value = pick(key);
    if (value !== undefined) merged[key] = value;
  }
  const resolved = merged as Omit<ResolvedTaskOptions, 'autoretryFor' | 'rateLimitPerMs'> & {
    timeLimit: number | null;
    softTimeLimit: number | null;
  };
  for (const key of ['timeLimit', 'softTimeLimit'] as const) {
    const value = resolved[key];
    // 0 means no limit, as Celery reads `time_limit=0`.
    if (value === 0) resolved[key] = null;
    else if (value !== null && !(value > 0)) {
      throw new InvalidOptionError(key, `${value} is not a positive number of seconds`);
    }
  }
  return {
    ...resolved,
    autoretryFor: pick('autoretryFor'),
    rateLimitPerMs: parseRateLimit(resolved.rateLimit),
  };
}

/** True when `error` matches an {@link ErrorMatcher}. */
export function matchesError(matcher: ErrorMatcher | undefined, error: unknown): boolean {
  if (!matcher) return false;
  if (typeof matcher === 'function') return matcher(error);
  return matcher.some((cls) => error instanceof cls);
}

/** Effective time limits of one execution, in seconds (null = none). */
export interface TimeLimits {
  hard: number | null;
  soft: number | null;
}

/**
 * The limits of one execution: the message's `timelimit: [hard, soft]` header wins over
 * the task's options (as in Celery), each side separately; a 0 or null side of the
 * header falls back to the task's (Celery's `time_limit or task.time_limit`), and no
 * limit is left as null.
 */
export function effectiveTimeLimits(
  header: readonly [number | null, number | null] | undefined,
  options: Pick<ResolvedTaskOptions, 'timeLimit' | 'softTimeLimit'>,
): TimeLimits {
  const hard = positiveOr(header?.[0], options.timeLimit);
  const soft = positiveOr(header?.[1], options.softTimeLimit);
  // Most tasks have no limit: one shared object rather than one per execution.
  return hard === null && soft === null ? NO_LIMITS : { hard, soft };
}

const NO_LIMITS: TimeLimits = Object.freeze({ hard: null, soft: null });

function positiveOr(value: number | null | undefined, fallback: number | null): number | null {
  if (value !== null && value !== undefined && value > 0) return value;
  return fallback !== null && fallback > 0 ? fallback : null;
}
