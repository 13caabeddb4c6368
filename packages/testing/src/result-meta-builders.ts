/**
 * Result metas for tests, shaped as a worker would store them.
 */
import { isReady } from '@celeriac/protocol';
import type { ExceptionInfo, ResultMeta, TaskStateName } from '@celeriac/protocol';

/** Celery's `datetime.utcnow().isoformat()`: naive UTC, microseconds. */
function utcNowIso(): string {
  return new Date().toISOString().replace('Z', '000');
}

/**
 * A {@link ResultMeta} for `taskId` in `status` with `result`; ready states get a
 * `dateDone`. `extra` overrides any field.
 *
 * @example
 * ```ts
 * await backend.store(resultMeta(id, 'SUCCESS', 42));
 * ```
 */
export function resultMeta(
  taskId: string,
  status: TaskStateName,
  result: unknown = null,
  extra: Partial<ResultMeta> = {},
): ResultMeta {
  return {
    taskId,
    status,
    result,
    traceback: null,
    children: [],
    dateDone: isReady(status) ? utcNowIso() : null,
    ...extra,
  };
}

/** An encoded exception, as FAILURE, RETRY and REVOKED results hold. */
export function exceptionInfo(
  excType = 'ValueError',
  message = 'boom',
  excModule = 'builtins',
): ExceptionInfo {
  return { excType, excMessage: [message], excModule };
}
