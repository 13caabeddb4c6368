/**
 * Connecting to the broker at start-up, as Celery's consumer does
 * (`broker_connection_retry_on_startup`, `broker_connection_max_retries`): an attempt
 * that fails is logged on one line — what failed, where (the transport's message names
 * the URL without its password), when the next attempt is — and retried after 2, 4, 6 …
 * up to 30 s, until `maxRetries` attempts failed (0: forever); then the worker fails with
 * one line. A stop while connecting ends the wait at once. Reconnecting after a
 * connection that was up is the transport's job.
 */
import type { Transport } from '@celeriac/protocol';
import { sleep, type WorkerClock } from '../clock.js';
import { BrokerConnectionError, WorkerStoppedError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Celery's `broker_connection_retry_on_startup` and `broker_connection_max_retries`. */
export interface BrokerConnectionRetry {
  /** Retry when the broker is unreachable at start-up. Default true. */
  onStartup?: boolean;
  /** Attempts before giving up; 0 retries forever. Default 100. */
  maxRetries?: number;
  /** Waits between attempts: `startMs`, then `stepMs` more each time, at most `maxMs`. */
  intervals?: { startMs?: number; stepMs?: number; maxMs?: number };
}

/** What {@link connectWithRetry} needs. */
export interface ConnectOptions {
  readonly hostname: string;
  readonly clock: WorkerClock;
  readonly logger: Logger;
  readonly retry: BrokerConnectionRetry;
  /** Aborted when the worker is told to stop. */
  readonly signal: AbortSignal;
}

/** Connect `transport`, retrying as configured. */
export async function connectWithRetry(
  transport: Transport,
  options: ConnectOptions,
): Promise<void> {
  const { clock, logger, signal } = options;
  const retry = options.retry.onStartup ?? true;
  const max = options.retry.maxRetries ?? 100;
  const start = options.retry.intervals?.startMs ?? 2000;
  const step = options.retry.intervals?.stepMs ?? 2000;
  const longest = options.retry.intervals?.maxMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw new WorkerStoppedError(options.hostname);
    try {
      await abortable(transport.connect(), signal);
      if (attempt > 1) logger.info(`Connected to the broker (attempt ${attempt})`);
      return;
    } catch (error) {
      if (signal.aborted) throw new WorkerStoppedError(options.hostname);
      const reason = oneLine(error);
      if (!retry || (max > 0 && attempt >= max)) {
        throw new BrokerConnectionError(reason, attempt, { cause: error });
      }
      const waitMs = Math.min(longest, start + step * (attempt - 1));
      logger.error(
        `Cannot connect to the broker: ${reason}. Trying again in ${waitMs / 1000} s ` +
          `(attempt ${attempt}${max > 0 ? `/${max}` : ''})`,
      );
      try {
        await sleep(clock, waitMs, signal);
      } catch {
        throw new WorkerStoppedError(options.hostname);
      }
    }
  }
}

/** `promise`, or a rejection as soon as `signal` aborts (the attempt is left to fail). */
function abortable(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** An error as one line: its message, and its cause's when the message lacks it. */
export function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error).split('\n')[0]!;
  let text = error.message.split('\n')[0]!;
  const cause = error.cause;
  if (cause instanceof Error && cause.message && !text.includes(cause.message)) {
    text += `: ${cause.message.split('\n')[0]!}`;
  }
  return text;
}
