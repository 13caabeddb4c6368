/**
 * Writes task states to the result backend the way a Celery 5.2 worker does: SUCCESS,
 * FAILURE with the encoded exception and a traceback, RETRY, REVOKED, STARTED
 * `{pid, hostname}`, custom states; `result_extended` fields when enabled.
 */
import {
  errorToExceptionInfo,
  formatDateDone,
  formatTraceback,
  TaskState,
  type ResultBackend,
  type ResultMeta,
  type TaskStateName,
} from '@celeriac/protocol';
import type { Logger } from '../logger.js';
import type { TaskRequest } from './request.js';

/** The fields of a request the writer needs (an undecodable task may lack the rest). */
export type ResultTarget = Pick<
  TaskRequest,
  | 'id'
  | 'name'
  | 'args'
  | 'kwargs'
  | 'retries'
  | 'groupId'
  | 'parentId'
  | 'replyTo'
  | 'correlationId'
> & { readonly delivery?: { readonly routingKey: string } };

/** Options of {@link ResultWriter}. */
export interface ResultWriterOptions {
  backend: ResultBackend;
  hostname: string;
  /** Also store name, args, kwargs, worker, retries and queue (Celery's `result_extended`). */
  resultExtended: boolean;
  now: () => number;
  logger: Logger;
}

let lastMs = Number.NaN;
let lastIso = '';

/** Celery's `datetime.utcnow().isoformat()`: naive UTC, microseconds. */
export function naiveUtcIso(ms: number): string {
  // Thousands of results are stored per second: format each millisecond once.
  if (ms !== lastMs) {
    lastIso = formatDateDone(new Date(ms));
    lastMs = ms;
  }
  return lastIso;
}

/** The traceback stored with an error: its stack, with its `cause` chain. */
export function tracebackOf(error: unknown): string | null {
  return error instanceof Error ? formatTraceback(error) : null;
}

/** Stores states of requests. Storage errors are logged and reported as `false`. */
export class ResultWriter {
  readonly #o: ResultWriterOptions;

  constructor(options: ResultWriterOptions) {
    this.#o = options;
  }

  /** SUCCESS with the return value. */
  success(request: ResultTarget, value: unknown): Promise<boolean> {
    return this.store(request, TaskState.SUCCESS, value === undefined ? null : value, null);
  }

  /** FAILURE with the encoded error and its traceback. */
  failure(request: ResultTarget, error: unknown): Promise<boolean> {
    return this.store(request, TaskState.FAILURE, errorToExceptionInfo(error), tracebackOf(error));
  }

  /** RETRY with the error behind it and the re-sent task as a child. */
  retry(request: ResultTarget, error: unknown): Promise<boolean> {
    return this.store(request, TaskState.RETRY, errorToExceptionInfo(error), tracebackOf(error), [
      [[request.id, null], null],
    ]);
  }

  /** REVOKED with a `TaskRevokedError`. */
  revoked(request: ResultTarget, error: unknown): Promise<boolean> {
    return this.store(request, TaskState.REVOKED, errorToExceptionInfo(error), null);
  }

  /** STARTED with `{pid, hostname}` (`trackStarted`). */
  started(request: ResultTarget, pid: number): Promise<boolean> {
    return this.store(request, TaskState.STARTED, { pid, hostname: this.#o.hostname }, null);
  }

  /** Any state with a plain result (custom states from `updateState`). */
  async store(
    request: ResultTarget,
    status: TaskStateName,
    result: unknown,
    traceback: string | null,
    children: unknown[] = [],
  ): Promise<boolean> {
    const ready = status === 'SUCCESS' || status === 'FAILURE' || status === 'REVOKED';
    const meta: ResultMeta = {
      taskId: request.id,
      status,
      result,
      traceback,
      children,
      dateDone: ready ? naiveUtcIso(this.#o.now()) : null,
    };
    if (request.groupId) meta.groupId = request.groupId;
    if (request.parentId) meta.parentId = request.parentId;
    if (this.#o.resultExtended) {
      meta.name = request.name;
      meta.args = request.args;
      meta.kwargs = request.kwargs;
      meta.worker = this.#o.hostname;
      meta.retries = request.retries;
      if (request.delivery) meta.queue = request.delivery.routingKey;
    }
    const context: { replyTo?: string; correlationId?: string } = {};
    if (request.replyTo !== undefined) context.replyTo = request.replyTo;
    context.correlationId = request.correlationId ?? request.id;
    try {
      return await this.#o.backend.store(meta, context);
    } catch (error) {
      this.#o.logger.error('Could not store the task result', {
        task: request.name,
        id: request.id,
        status,
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  }
}
