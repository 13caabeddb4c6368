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
  chordsUnsupported: 'ERR_CHORDS_UNSUPPORTED',
  messageTooLarge: 'ERR_MESSAGE_TOO_LARGE',
  controlArgument: 'ERR_CONTROL_ARGUMENT',
  dedupUnsupported: 'ERR_DEDUP_UNSUPPORTED',
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

/**
 * A chord was sent with a result backend that cannot count chord parts: none at all, or
 * `rpc://` (Celery's rpc backend does not support chords either). Use Redis results.
 */
export class ChordsUnsupportedError extends Error {
  readonly code = ClientErrorCode.chordsUnsupported;
  readonly retryable = false;
  /** The backend kind (`rpc`), undefined when there is no backend. */
  readonly backendKind: string | undefined;
  constructor(backendKind: string | undefined) {
    super(
      backendKind === undefined
        ? 'chords need a result backend that counts chord parts (memory:// or redis://); this client has none'
        : `chords are not supported by the ${backendKind}:// result backend (Celery's rpc backend has no chord support either); use a redis:// result backend`,
    );
    this.name = 'ChordsUnsupportedError';
    this.backendKind = backendKind;
  }
}

/** A message is larger than the client's `maxMessageBytes` (by default the broker's limit). */
export class MessageTooLargeError extends Error {
  readonly code = ClientErrorCode.messageTooLarge;
  readonly retryable = false;
  readonly taskName: string;
  readonly taskId: string;
  /** The message's size in bytes, as stored by the broker. */
  readonly size: number;
  /** The limit in bytes. */
  readonly limit: number;
  constructor(
    taskName: string,
    taskId: string,
    size: number,
    limit: number,
    transportKind: string,
  ) {
    super(
      `the message of task ${taskName}[${taskId}] is ${size} bytes, over the ${limit}-byte limit ` +
        `for ${transportKind} (client option maxMessageBytes); compress it (compressAbove) or send ` +
        'less in one message (a chain carries all its later steps in its first message)',
    );
    this.name = 'MessageTooLargeError';
    this.taskName = taskName;
    this.taskId = taskId;
    this.size = size;
    this.limit = limit;
  }
}

/**
 * A remote-control call was given an option or argument no worker could act on (a
 * `destination` that is not a list of node names, a negative timeout, …); nothing was
 * broadcast.
 */
export class ControlArgumentError extends CeleriacError<ClientErrorCode> {
  /** The command that was refused. */
  readonly command: string;
  constructor(command: string, problem: string) {
    super(ClientErrorCode.controlArgument, `cannot broadcast ${command}: ${problem}`);
    this.command = command;
  }
}

/**
 * A send with a `dedupKey` on a client whose result backend keeps no dedup records
 * (none, or one without `claimDedup`: memory has it; Redis and RabbitMQ's rpc do not yet).
 */
export class DedupUnsupportedError extends CeleriacError<ClientErrorCode> {
  /** The key that could not be claimed. */
  readonly dedupKey: string;
  constructor(dedupKey: string, backendKind: string | undefined) {
    super(
      ClientErrorCode.dedupUnsupported,
      backendKind === undefined
        ? `dedupKey ${JSON.stringify(dedupKey.slice(0, 80))} needs a result backend, and this client has none`
        : `dedupKey ${JSON.stringify(dedupKey.slice(0, 80))}: the ${backendKind} result backend keeps no dedup records (claimDedup)`,
    );
    this.dedupKey = dedupKey;
  }
}
