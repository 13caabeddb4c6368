/**
 * The body of an `rpc://` reply as Celery 5.2's rpc backend sends it (`_to_result`):
 * `{"task_id", "status", "result", "traceback", "children"}` in kombu's JSON, exceptions
 * as `{"exc_type", "exc_message", "exc_module"}` — and no `date_done`. The fields and
 * exceptions are encoded and read by `@celeriac/protocol`'s result codec; only the rpc
 * key order and the correlation id rule live here.
 */
import type { ResultMeta } from '@celeriac/protocol';
import {
  DecodeError,
  decodeResultMeta,
  encodeJson,
  encodeResultMeta,
  parseJson,
} from '@celeriac/protocol';

const encoder = new TextEncoder();

/** Options of {@link encodeRpcResult}. */
export interface EncodeRpcResultOptions {
  /** Add `date_done` (Python clients accept the extra key; Celery's rpc backend omits it). */
  includeDateDone?: boolean;
}

/** JSON bytes of an rpc reply for `meta`. */
export function encodeRpcResult(
  meta: ResultMeta,
  options: EncodeRpcResultOptions = {},
): Uint8Array {
  const stored = encodeResultMeta(meta);
  const body: Record<string, unknown> = {
    task_id: meta.taskId,
    status: stored['status'],
    result: stored['result'],
    traceback: stored['traceback'],
    children: stored['children'],
  };
  if (options.includeDateDone === true && meta.dateDone !== null) body['date_done'] = meta.dateDone;
  return encoder.encode(encodeJson(body, 'result'));
}

/**
 * The {@link ResultMeta} of an rpc reply. `taskId` is the reply's correlation id when it
 * has one (Celery reads that first), else the body's `task_id`.
 */
export function decodeRpcResult(body: Uint8Array, correlationId: string | undefined): ResultMeta {
  const parsed = parseJson(body, 'body');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DecodeError('body', 'an rpc reply must be a JSON object');
  }
  const raw = parsed as Record<string, unknown>;
  const taskId = correlationId ?? raw['task_id'];
  if (typeof taskId !== 'string' || taskId === '') {
    throw new DecodeError(
      'body.task_id',
      'missing: the reply has neither correlation_id nor task_id',
    );
  }
  return decodeResultMeta({ ...raw, task_id: taskId });
}
