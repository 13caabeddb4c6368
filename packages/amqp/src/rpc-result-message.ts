/**
 * The body of an `rpc://` reply as Celery 5.2's rpc backend sends it (`_to_result`):
 * `{"task_id", "status", "result", "traceback", "children"}`, with exceptions encoded as
 * `{"exc_type", "exc_message", "exc_module"}` — and no `date_done`.
 */
import type { ExceptionInfo, ResultMeta } from '@celeriac/protocol';
import { DecodeError, EXCEPTION_STATES } from '@celeriac/protocol';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function isExceptionInfo(value: unknown): value is ExceptionInfo {
  return typeof value === 'object' && value !== null && 'excType' in value && 'excMessage' in value;
}

function encodeResult(status: string, result: unknown): unknown {
  if (EXCEPTION_STATES.has(status) && isExceptionInfo(result)) {
    return {
      exc_type: result.excType,
      exc_message: result.excMessage,
      exc_module: result.excModule,
    };
  }
  return result;
}

function decodeResult(status: string, result: unknown): unknown {
  if (!EXCEPTION_STATES.has(status) || typeof result !== 'object' || result === null) return result;
  const raw = result as Record<string, unknown>;
  if (typeof raw.exc_type !== 'string') return result;
  const message = raw.exc_message;
  const info: ExceptionInfo = {
    excType: raw.exc_type,
    // Old Celery versions sent a string; the contract is a list of arguments.
    excMessage: Array.isArray(message) ? (message as unknown[]) : [message],
    excModule: typeof raw.exc_module === 'string' ? raw.exc_module : 'builtins',
  };
  return info;
}

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
  const body: Record<string, unknown> = {
    task_id: meta.taskId,
    status: meta.status,
    result: encodeResult(meta.status, meta.result),
    traceback: meta.traceback,
    children: meta.children,
  };
  if (options.includeDateDone === true && meta.dateDone !== null) body.date_done = meta.dateDone;
  return encoder.encode(JSON.stringify(body));
}

/**
 * The {@link ResultMeta} of an rpc reply. `taskId` is the reply's correlation id when it
 * has one (Celery reads that first), else the body's `task_id`.
 */
export function decodeRpcResult(body: Uint8Array, correlationId: string | undefined): ResultMeta {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(body));
  } catch (cause) {
    throw new DecodeError('body', 'an rpc reply must be UTF-8 JSON', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DecodeError('body', 'an rpc reply must be a JSON object');
  }
  const raw = parsed as Record<string, unknown>;
  const taskId = correlationId ?? raw.task_id;
  if (typeof taskId !== 'string' || taskId === '') {
    throw new DecodeError(
      'body.task_id',
      'missing: the reply has neither correlation_id nor task_id',
    );
  }
  if (typeof raw.status !== 'string') throw new DecodeError('body.status', 'must be a string');
  const meta: ResultMeta = {
    taskId,
    status: raw.status,
    result: decodeResult(raw.status, raw.result ?? null),
    traceback: typeof raw.traceback === 'string' ? raw.traceback : null,
    children: Array.isArray(raw.children) ? (raw.children as unknown[]) : [],
    dateDone: typeof raw.date_done === 'string' ? raw.date_done : null,
  };
  if (typeof raw.group_id === 'string') meta.groupId = raw.group_id;
  if (typeof raw.parent_id === 'string') meta.parentId = raw.parent_id;
  return meta;
}
