/**
 * What a result backend stores per task: Celery's `celery-task-meta-<id>` document.
 * Field names are camelCase here; `encodeResultMeta`/`decodeResultMeta` map them to and
 * from the snake_case JSON Celery 5.2 writes.
 */
import type { TaskStateName } from './states.js';

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
