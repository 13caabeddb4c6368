/**
 * Deduplicated sends: with a `dedupKey`, the client first claims the key for the task id
 * it is about to send, in the result backend (`claimDedup`), so every client and worker
 * sharing the backend agrees on one send per key within the TTL. A caller that finds the
 * key held sends nothing and gets the holder's id — and so its result. A send that fails
 * before the broker holds it gives the key back, so the next caller sends, and records the
 * failure as the id's result, so the callers that already joined it learn why instead of
 * waiting for a task that never was.
 */
import {
  assertDedupKey,
  DEFAULT_DEDUP_TTL_SECONDS,
  errorToExceptionInfo,
  formatDateDone,
  TaskState,
} from '@celeriac/protocol';
import type { ResultBackend } from '@celeriac/protocol';
import { DedupUnsupportedError } from './errors.js';
import type { SignalLogger } from './signal.js';

/** The dedup options of a send. */
export interface DedupOptions {
  /**
   * Send at most once per key within `dedupTtl`: a later send with the same key is not
   * sent and resolves to the first send's result handle (same id). At most 512
   * characters (`MAX_DEDUP_KEY_LENGTH`); needs a result backend with `claimDedup`
   * (`DedupUnsupportedError` otherwise). Retries of a task are not duplicates: the key
   * is the client's, not a header.
   */
  dedupKey?: string;
  /** Seconds the key stays claimed; default 3600. */
  dedupTtl?: number;
}

/** How a deduplicated send went: sent by this caller, or joined an earlier one. */
export type DedupOutcome<R> = { sent: true; value: R } | { sent: false; id: string };

/**
 * Run `send(id)` unless `options.dedupKey` is already held; without a key, just send.
 * `id` is the id the send will use (claimed under the key first).
 */
export async function sendOnce<R>(
  backend: ResultBackend | undefined,
  options: DedupOptions,
  id: string,
  send: () => Promise<R>,
  logger: SignalLogger = console,
): Promise<DedupOutcome<R>> {
  if (options.dedupKey === undefined) return { sent: true, value: await send() };
  const key = assertDedupKey(options.dedupKey);
  const ttl = options.dedupTtl ?? DEFAULT_DEDUP_TTL_SECONDS;
  if (!(Number.isFinite(ttl) && ttl > 0)) {
    throw new RangeError(`dedupTtl: expected seconds > 0, got ${String(ttl)}`);
  }
  if (!backend?.claimDedup) throw new DedupUnsupportedError(key, backend?.kind);
  await backend.connect();
  const claim = await backend.claimDedup(key, id, Math.ceil(ttl * 1000));
  if (!claim.claimed) return { sent: false, id: claim.taskId };
  try {
    return { sent: true, value: await send() };
  } catch (error) {
    // Tell the callers that joined, then give the key back so the next caller sends. The
    // send's error is what surfaces here; a failed record or release is logged (the key
    // then lapses with its TTL). A task the broker did hold after all overwrites the
    // FAILURE with its own result (a store never overwrites only SUCCESS).
    const what = `dedupKey ${JSON.stringify(key.slice(0, 80))}`;
    const failed = (step: string) => (stepError: unknown) =>
      logger.error(`cannot ${step} ${what} after a failed send`, {
        taskId: id,
        error: stepError instanceof Error ? stepError.message : String(stepError),
      });
    const reason = error instanceof Error ? error.message : String(error);
    await backend
      .store({
        taskId: id,
        status: TaskState.FAILURE,
        result: errorToExceptionInfo(new Error(`the send holding ${what} failed: ${reason}`)),
        traceback: null,
        children: [],
        dateDone: formatDateDone(new Date()),
      })
      .then(undefined, failed('record the failure of'));
    await Promise.resolve(backend.releaseDedup?.(key, id)).then(undefined, failed('release'));
    throw error;
  }
}
