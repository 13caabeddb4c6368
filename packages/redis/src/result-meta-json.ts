/**
 * The `celery-task-meta-<id>` JSON as Celery 5.2 writes it (celery-wire.md §4.1–4.2):
 * snake_case keys in Celery's order, exceptions as `{exc_type, exc_message, exc_module}`.
 * (A local mapping until `@celeriac/protocol` offers its own encode/decode.)
 */
import type { ExceptionInfo, ResultMeta } from '@celeriac/protocol';
import { DecodeError, EXCEPTION_STATES, TaskState } from '@celeriac/protocol';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isExceptionInfo(value: unknown): value is ExceptionInfo {
  return isRecord(value) && typeof value['excType'] === 'string';
}

/** The JSON object Celery stores for `meta`, keys in Celery's order. */
export function resultMetaToCelery(meta: ResultMeta): Record<string, unknown> {
  const result =
    EXCEPTION_STATES.has(meta.status) && isExceptionInfo(meta.result)
      ? {
          exc_type: meta.result.excType,
          exc_message: meta.result.excMessage,
          exc_module: meta.result.excModule,
        }
      : meta.result;
  const out: Record<string, unknown> = {
    status: meta.status,
    result: result ?? null,
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

/** Read Celery's stored JSON object back into a {@link ResultMeta}. */
export function resultMetaFromCelery(taskId: string, value: unknown): ResultMeta {
  if (!isRecord(value)) throw new DecodeError('', 'a task result must be a JSON object');
  const status = typeof value['status'] === 'string' ? value['status'] : TaskState.PENDING;
  let result = value['result'] ?? null;
  if (EXCEPTION_STATES.has(status) && isRecord(result) && typeof result['exc_type'] === 'string') {
    const message = result['exc_message'];
    result = {
      excType: result['exc_type'],
      excMessage: Array.isArray(message) ? message : message === undefined ? [] : [message],
      excModule: typeof result['exc_module'] === 'string' ? result['exc_module'] : 'builtins',
    } satisfies ExceptionInfo;
  }
  const meta: ResultMeta = {
    taskId: typeof value['task_id'] === 'string' ? value['task_id'] : taskId,
    status,
    result,
    traceback: typeof value['traceback'] === 'string' ? value['traceback'] : null,
    children: Array.isArray(value['children']) ? value['children'] : [],
    dateDone: typeof value['date_done'] === 'string' ? value['date_done'] : null,
  };
  const str = (key: string) => (typeof value[key] === 'string' ? value[key] : undefined);
  const groupId = str('group_id');
  if (groupId !== undefined) meta.groupId = groupId;
  const parentId = str('parent_id');
  if (parentId !== undefined) meta.parentId = parentId;
  const name = str('name');
  if (name !== undefined) meta.name = name;
  if (Array.isArray(value['args'])) meta.args = value['args'];
  if (isRecord(value['kwargs'])) meta.kwargs = value['kwargs'];
  const worker = str('worker');
  if (worker !== undefined) meta.worker = worker;
  if (typeof value['retries'] === 'number') meta.retries = value['retries'];
  const queue = str('queue');
  if (queue !== undefined) meta.queue = queue;
  return meta;
}

/** The meta of a task nobody stored anything for. */
export function pendingMeta(taskId: string): ResultMeta {
  return {
    taskId,
    status: TaskState.PENDING,
    result: null,
    traceback: null,
    children: [],
    dateDone: null,
  };
}
