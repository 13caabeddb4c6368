/**
 * The client's own errors. Everything else it throws comes from `@celeriac/protocol`:
 * `PublishError`/`ConnectionLostError` (a send failed), `ClosedError` (the client is
 * closed), `ValidationError` (arguments against a contract), `TimeoutError` (waiting for
 * a result), `RemoteTaskError` (the task failed or was revoked), `EncodeError`.
 */

import { CeleriacError } from '@celeriac/protocol';

/** Stable codes of the client's errors. */
export const ClientErrorCode = {
  noResultBackend: 'ERR_NO_RESULT_BACKEND',
  resultIgnored: 'ERR_RESULT_IGNORED',
} as const;
/** One of the values of {@link ClientErrorCode}. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** A result was asked for, but the client has no result backend (Celery's `DisabledBackend`). */
export class NoResultBackendError extends CeleriacError<ClientErrorCode> {
  /** The task whose result was asked for. */
  readonly taskId: string;
  constructor(taskId: string) {
    super(
      ClientErrorCode.noResultBackend,
      `no result backend is configured: cannot read the result of task ${taskId}`,
    );
    this.taskId = taskId;
  }
}

/** `get()` on a task sent with `ignoreResult`: the worker stores nothing to wait for. */
export class ResultIgnoredError extends CeleriacError<ClientErrorCode> {
  /** The task whose result was asked for. */
  readonly taskId: string;
  constructor(taskId: string) {
    super(
      ClientErrorCode.resultIgnored,
      `task ${taskId} was sent with ignoreResult: its result is never stored`,
    );
    this.taskId = taskId;
  }
}
