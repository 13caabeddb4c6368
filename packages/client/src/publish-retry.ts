/**
 * Publish retry, as kombu's `Producer.publish(retry=True, retry_policy=…)` and Celery's
 * `task_publish_retry_policy`: a lost connection or a retryable broker error is tried
 * again after `intervalStart`, then `intervalStep` more each time, capped at
 * `intervalMax` seconds, at most `maxRetries` times.
 */
import { ConnectionLostError, CeleriacError, ErrorCode, PublishError } from '@celeriac/protocol';

/** Celery's `retry_policy` (seconds, as in Celery). */
export interface RetryPolicy {
  /** Retries after the first attempt; default 3. `Infinity` retries until aborted. */
  maxRetries?: number;
  /** Seconds before the first retry; default 0. */
  intervalStart?: number;
  /** Seconds added for each further retry; default 0.2. */
  intervalStep?: number;
  /** Longest wait between retries, in seconds; default 0.2. */
  intervalMax?: number;
}

/** Celery 5.2's `task_publish_retry_policy` defaults. */
export const DEFAULT_RETRY_POLICY: Readonly<Required<RetryPolicy>> = Object.freeze({
  maxRetries: 3,
  intervalStart: 0,
  intervalStep: 0.2,
  intervalMax: 0.2,
});

/** Whether an error is one kombu would retry a publish after (a recoverable one). */
export function isRetryablePublishError(error: unknown): boolean {
  return (
    error instanceof ConnectionLostError || (error instanceof CeleriacError && error.retryable)
  );
}

/** The wait before retry number `retry` (0-based), in milliseconds. */
export function retryDelayMs(policy: Required<RetryPolicy>, retry: number): number {
  const seconds = Math.min(policy.intervalStart + policy.intervalStep * retry, policy.intervalMax);
  return Math.max(0, seconds * 1000);
}

/** Options of {@link publishWithRetry}. */
export interface PublishRetryOptions {
  /** Retry at all (Celery's `retry`); default true. */
  retry: boolean;
  policy: Required<RetryPolicy>;
  signal?: AbortSignal | undefined;
  /** Called before each retry with the error that caused it. */
  onRetry?: ((error: unknown, retry: number) => void) | undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Run `attempt` until it succeeds, retrying retryable failures per the policy. The last
 * error is thrown as it came.
 */
export async function publishWithRetry(
  attempt: () => Promise<void>,
  options: PublishRetryOptions,
): Promise<void> {
  for (let retry = 0; ; retry++) {
    try {
      await attempt();
      return;
    } catch (error) {
      const canRetry =
        options.retry && retry < options.policy.maxRetries && isRetryablePublishError(error);
      if (!canRetry || options.signal?.aborted) throw error;
      options.onRetry?.(error, retry);
      await sleep(retryDelayMs(options.policy, retry), options.signal);
    }
  }
}

/**
 * The error a failed send surfaces: the same class (`ConnectionLostError` or
 * `PublishError`; other `CeleriacError`s such as `ClosedError` stay as they are), with
 * the task name and id in front of the message and the original as `cause`.
 */
export function sendError(error: unknown, name: string, id: string): Error {
  return publishFailure(error, `cannot send task ${name}[${id}]`);
}

/** {@link sendError} for any publish: `what` (e.g. `cannot broadcast ping`) in front. */
export function publishFailure(error: unknown, what: string): Error {
  if (error instanceof ConnectionLostError) {
    return new ConnectionLostError(`${what}: ${error.message}`, { cause: error });
  }
  if (error instanceof PublishError || !(error instanceof CeleriacError)) {
    const message = error instanceof Error ? error.message : String(error);
    const retryable = error instanceof CeleriacError ? error.retryable : false;
    return new PublishError(`${what}: ${message}`, { cause: error, retryable });
  }
  if (error.code === ErrorCode.transport) {
    return new PublishError(`${what}: ${error.message}`, {
      cause: error,
      retryable: error.retryable,
    });
  }
  return error;
}
