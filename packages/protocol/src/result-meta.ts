/**
 * What a result backend stores per task: Celery's `celery-task-meta-<id>` document.
 * Field names are camelCase here; `encodeResultMeta`/`decodeResultMeta` map them to and
 * from the snake_case JSON Celery 5.2 writes.
 */
import { z } from 'zod';
import { DecodeError, RemoteTaskError } from './errors.js';
import { errorToExceptionInfo, isExceptionInfo, taskRevokedInfo } from './exception-info.js';
import { encodeJson, parseJson } from './json.js';
import { EXCEPTION_STATES, PROPAGATE_STATES, TaskState, type TaskStateName } from './states.js';

/**
 * An exception as Celery encodes it for JSON: the class name, its constructor arguments,
 * and the module Python would import it from.
 */
export interface ExceptionInfo {
  /** Class `__qualname__`, e.g. `ValueError`, or a TypeScript error's `name`. */
  excType: string;
  /** The exception's `args` (for a JS error: `[message]`). */
  excMessage: unknown[];
  /** Python module of the class: `builtins`, `celery.exceptions`, … */
  excModule: string;
}

/** One task's state and result. */
export interface ResultMeta {
  taskId: string;
  status: TaskStateName;
  /**
   * The return value on SUCCESS; an {@link ExceptionInfo} in FAILURE, RETRY and REVOKED;
   * the `meta` object of a custom state; `null` while pending.
   */
  result: unknown;
  /** Formatted traceback (Python) or stack (TypeScript) of a failure, else `null`. */
  traceback: string | null;
  /** Result tuples of the tasks this task sent (Celery's nested `[[id, parent], null]`). */
  children: unknown[];
  /** Naive UTC ISO time the task became ready (Celery's `utcnow().isoformat()`), else null. */
  dateDone: string | null;
  groupId?: string;
  parentId?: string;
  /** With `result_extended`: the task name, arguments, worker node, retries and queue. */
  name?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  worker?: string;
  retries?: number;
  queue?: string;
}

/** Celery's JSON form of an {@link ExceptionInfo}. */
export interface ExceptionInfoJson {
  exc_type: string;
  exc_message: unknown[];
  exc_module: string;
}

/** `{exc_type, exc_message, exc_module}` for an {@link ExceptionInfo}. */
export function encodeExceptionInfo(info: ExceptionInfo): ExceptionInfoJson {
  return { exc_type: info.excType, exc_message: info.excMessage, exc_module: info.excModule };
}

const exceptionJson = z.looseObject({
  exc_type: z.string(),
  exc_message: z.unknown().optional(),
  exc_module: z.string().nullish(),
});

/**
 * Read `{exc_type, exc_message, exc_module}`, or undefined when `value` is not one. An
 * old-style string `exc_message` becomes a one-element list; a missing module is
 * `builtins`.
 */
export function decodeExceptionInfo(value: unknown): ExceptionInfo | undefined {
  const parsed = exceptionJson.safeParse(value);
  if (!parsed.success) return undefined;
  const message = parsed.data.exc_message;
  return {
    excType: parsed.data.exc_type,
    excMessage: Array.isArray(message) ? message : message === undefined ? [] : [message],
    excModule: parsed.data.exc_module ?? 'builtins',
  };
}

function encodeResult(status: string, result: unknown): unknown {
  if (!EXCEPTION_STATES.has(status)) return result ?? null;
  if (result instanceof Error) return encodeExceptionInfo(errorToExceptionInfo(result));
  return isExceptionInfo(result) ? encodeExceptionInfo(result) : (result ?? null);
}

/**
 * The `celery-task-meta-<id>` JSON object of `meta`, keys in the order Celery 5.2.6
 * writes them [captured]: `status, result, traceback, children, date_done`, then
 * `group_id`, `parent_id` when set, the `result_extended` fields
 * (`name, args, kwargs, worker, retries, queue`) when set, and `task_id` last. In
 * FAILURE/RETRY/REVOKED an {@link ExceptionInfo} (or an `Error`) result is written as
 * `{exc_type, exc_message, exc_module}`.
 */
export function encodeResultMeta(meta: ResultMeta): Record<string, unknown> {
  const out: Record<string, unknown> = {
    status: meta.status,
    result: encodeResult(meta.status, meta.result),
    traceback: meta.traceback ?? null,
    children: meta.children ?? [],
    date_done: meta.dateDone ?? null,
  };
  if (meta.groupId !== undefined) out['group_id'] = meta.groupId;
  if (meta.parentId !== undefined) out['parent_id'] = meta.parentId;
  if (meta.name !== undefined) out['name'] = meta.name;
  if (meta.args !== undefined) out['args'] = meta.args;
  if (meta.kwargs !== undefined) out['kwargs'] = meta.kwargs;
  if (meta.worker !== undefined) out['worker'] = meta.worker;
  if (meta.retries !== undefined) out['retries'] = meta.retries;
  if (meta.queue !== undefined) out['queue'] = meta.queue;
  out['task_id'] = meta.taskId;
  return out;
}

/** {@link encodeResultMeta} as the exact JSON text kombu writes (see `json.ts`). */
export function serializeResultMeta(meta: ResultMeta): string {
  return encodeJson(encodeResultMeta(meta), 'result');
}

const metaJson = z.looseObject({
  status: z.string().min(1),
  result: z.unknown().optional(),
  traceback: z.string().nullish(),
  children: z.array(z.unknown()).nullish(),
  date_done: z.string().nullish(),
  task_id: z.string().min(1).optional(),
  group_id: z.string().nullish(),
  parent_id: z.string().nullish(),
  name: z.string().nullish(),
  args: z.array(z.unknown()).nullish(),
  kwargs: z.record(z.string(), z.unknown()).nullish(),
  worker: z.string().nullish(),
  retries: z.number().int().nullish(),
  queue: z.string().nullish(),
});

/** Options of {@link decodeResultMeta}. */
export interface DecodeResultMetaOptions {
  /** The id to use when the JSON has no `task_id` (rpc replies use the correlation id). */
  taskId?: string;
}

/**
 * Read a stored result JSON object (Celery's or ours). Validates every field it knows and
 * throws {@link DecodeError} naming the bad ones (`result.retries: expected int, …`);
 * unknown keys are ignored. Exceptions in FAILURE/RETRY/REVOKED become
 * {@link ExceptionInfo}; a `null` in an optional field counts as absent.
 */
export function decodeResultMeta(json: unknown, options: DecodeResultMetaOptions = {}): ResultMeta {
  const parsed = metaJson.safeParse(json);
  if (!parsed.success) {
    const [first, ...rest] = parsed.error.issues.map((issue) => ({
      path: ['result', ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    const also = rest.map((i) => `; ${i.path}: ${i.message}`).join('');
    throw new DecodeError(first!.path, `${first!.message}${also}`);
  }
  const v = parsed.data;
  const taskId = v.task_id ?? options.taskId;
  if (taskId === undefined) throw new DecodeError('result.task_id', 'missing');
  let result: unknown = v.result ?? null;
  if (EXCEPTION_STATES.has(v.status)) result = decodeExceptionInfo(result) ?? result;
  const meta: ResultMeta = {
    taskId,
    status: v.status,
    result,
    traceback: v.traceback ?? null,
    children: v.children ?? [],
    dateDone: v.date_done ?? null,
  };
  if (v.group_id != null) meta.groupId = v.group_id;
  if (v.parent_id != null) meta.parentId = v.parent_id;
  if (v.name != null) meta.name = v.name;
  if (v.args != null) meta.args = v.args;
  if (v.kwargs != null) meta.kwargs = v.kwargs;
  if (v.worker != null) meta.worker = v.worker;
  if (v.retries != null) meta.retries = v.retries;
  if (v.queue != null) meta.queue = v.queue;
  return meta;
}

/** Parse result JSON text or bytes, then {@link decodeResultMeta}. */
export function parseResultMeta(
  input: string | Uint8Array,
  options: DecodeResultMetaOptions = {},
): ResultMeta {
  return decodeResultMeta(parseJson(input, 'result'), options);
}

/** What a missing result means to Celery: `{status: PENDING, result: null}`. */
export function pendingResultMeta(taskId: string): ResultMeta {
  return {
    taskId,
    status: TaskState.PENDING,
    result: null,
    traceback: null,
    children: [],
    dateDone: null,
  };
}

/**
 * The error a client throws for a FAILURE or REVOKED result: a {@link RemoteTaskError}
 * carrying the encoded exception and traceback. Undefined for other states.
 */
export function resultMetaError(meta: ResultMeta): RemoteTaskError | undefined {
  if (!PROPAGATE_STATES.has(meta.status)) return undefined;
  const info = isExceptionInfo(meta.result)
    ? meta.result
    : meta.status === TaskState.REVOKED
      ? taskRevokedInfo('revoked')
      : { excType: 'Exception', excMessage: [meta.result], excModule: 'builtins' };
  return new RemoteTaskError(info, { traceback: meta.traceback, taskId: meta.taskId });
}
