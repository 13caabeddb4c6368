/**
 * How a handler's thrown value becomes an outcome: the markers (`Retry`, `Reject`,
 * `Replace`) as themselves, an error matching `autoretryFor` as an automatic retry with
 * Celery's backoff, anything else as a failure. Used where the handler runs: in the
 * worker (async pool) and in a thread or child process (their units).
 */
import { ValidationError } from '@celeriac/protocol';
import { Reject, Replace, Retry } from '../errors.js';
import { matchesError, type ErrorMatcher } from '../task-options.js';
import type { RetryOptions } from '../task-context.js';
import type { ExecutionOutcome } from './outcome.js';
import { backoffCountdownMs } from './retry-policy.js';

/** What classification needs of a task's options. */
export interface AutoretryPolicy {
  readonly autoretryFor: ErrorMatcher | undefined;
  readonly retryBackoff: boolean | number;
  readonly retryBackoffMax: number;
  readonly retryJitter: boolean;
  readonly defaultRetryDelay: number;
}

/**
 * The outcome of a handler that threw `error`, on its `retries`-th retry; `retry` is the
 * context's `ctx.retry` (which throws the `Retry` marker, or the final error).
 */
export function classifyError(
  error: unknown,
  policy: AutoretryPolicy,
  retries: number,
  retry: (options: RetryOptions) => never,
): ExecutionOutcome {
  if (error instanceof Retry) return { kind: 'retry', retry: error };
  if (error instanceof Reject) return { kind: 'rejected', reject: error };
  if (error instanceof Replace) return { kind: 'replaced', replace: error };
  if (!(error instanceof ValidationError) && matchesError(policy.autoretryFor, error)) {
    const backoff = policy.retryBackoff;
    const countdown =
      backoff === false
        ? policy.defaultRetryDelay
        : backoffCountdownMs({
            factorSeconds: backoff === true ? 1 : backoff,
            retries,
            maxSeconds: policy.retryBackoffMax,
            jitter: policy.retryJitter,
          }) / 1000;
    try {
      retry({ countdown, exc: error });
    } catch (thrown) {
      if (thrown instanceof Retry) return { kind: 'retry', retry: thrown };
      return { kind: 'failure', error: thrown };
    }
  }
  return { kind: 'failure', error };
}
