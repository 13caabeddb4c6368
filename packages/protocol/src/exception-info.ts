/**
 * Exceptions as Celery 5.2 encodes them in results (`backends/base.py prepare_exception`):
 * `{exc_type, exc_message: [args…], exc_module}`, and the special ones a worker stores.
 *
 * How a Python client rebuilds what we send (`exception_to_python`): it looks `exc_type`
 * up in the already-imported module `exc_module`; if that fails it synthesizes an
 * `Exception` subclass of that name in `celery.exceptions`, then calls it with the
 * `exc_message` list. A lookup that finds something other than an exception class raises
 * `SecurityError`. So for a TypeScript error we send `exc_module: "builtins"` only when
 * Python has a built-in exception of the same name (`TypeError` → `TypeError`, catchable
 * with `except TypeError`); every other name goes out as `celery.exceptions`, where the
 * client gets a synthesized `celery.exceptions.RangeError('…')` — an `Exception`, with
 * the message as its single argument. An error may choose its own Python identity with
 * `excType`/`excModule`/`excArgs` properties.
 */
import type { ExceptionInfo } from './result-meta.js';

/** Python built-in exception names a TypeScript error may map onto by name. */
const PYTHON_BUILTIN_EXCEPTIONS: ReadonlySet<string> = new Set([
  'Exception',
  'ArithmeticError',
  'AssertionError',
  'AttributeError',
  'ConnectionError',
  'EOFError',
  'FileExistsError',
  'FileNotFoundError',
  'IndexError',
  'KeyError',
  'LookupError',
  'MemoryError',
  'NotImplementedError',
  'OSError',
  'OverflowError',
  'PermissionError',
  'RecursionError',
  'ReferenceError',
  'RuntimeError',
  'SyntaxError',
  'TimeoutError',
  'TypeError',
  'ValueError',
  'ZeroDivisionError',
]);

/** An error that says how Python should see it. */
interface PythonIdentity {
  excType?: unknown;
  excModule?: unknown;
  excArgs?: unknown;
}

/**
 * Encode a thrown value for a result. For an `Error`: `exc_type` = its `name`,
 * `exc_message` = `[message]`, `exc_module` = `builtins` when Python has a built-in
 * exception of that name, else `celery.exceptions` (see the module comment). Properties
 * `excType`, `excModule` and `excArgs` on the error override each part. A thrown
 * non-Error becomes a Python `Exception` with its string form.
 */
export function errorToExceptionInfo(error: unknown): ExceptionInfo {
  if (!(error instanceof Error)) {
    return { excType: 'Exception', excMessage: [String(error)], excModule: 'builtins' };
  }
  const custom = error as Error & PythonIdentity;
  const excType =
    typeof custom.excType === 'string' && custom.excType ? custom.excType : error.name || 'Error';
  const excModule =
    typeof custom.excModule === 'string' && custom.excModule
      ? custom.excModule
      : PYTHON_BUILTIN_EXCEPTIONS.has(excType)
        ? 'builtins'
        : 'celery.exceptions';
  const excMessage = Array.isArray(custom.excArgs)
    ? [...(custom.excArgs as unknown[])]
    : [error.message];
  return { excType, excMessage, excModule };
}

/**
 * The traceback string stored beside an encoded error: the JavaScript stack, with the
 * chain of `cause`s appended the way Python prints chained exceptions.
 */
export function formatTraceback(error: unknown): string {
  if (!(error instanceof Error)) return `${String(error)}\n`;
  const parts: string[] = [];
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    parts.unshift(current.stack ?? `${current.name}: ${current.message}`);
    current = current.cause;
  }
  return (
    parts.join('\n\nThe above exception was the direct cause of the following exception:\n\n') +
    '\n'
  );
}

/** The reasons Celery gives `TaskRevokedError`. */
export const RevokeReason = {
  revoked: 'revoked',
  expired: 'expired',
  terminated: 'terminated',
} as const;
/** One of the values of {@link RevokeReason}. */
export type RevokeReason = (typeof RevokeReason)[keyof typeof RevokeReason];

/** What a worker stores for a task name it does not know: `NotRegistered('name')`. */
export function notRegisteredInfo(taskName: string): ExceptionInfo {
  return { excType: 'NotRegistered', excMessage: [taskName], excModule: 'celery.exceptions' };
}

/** What a worker stores (state REVOKED) for a revoked, expired or terminated task. */
export function taskRevokedInfo(reason: RevokeReason): ExceptionInfo {
  return { excType: 'TaskRevokedError', excMessage: [reason], excModule: 'celery.exceptions' };
}

/** A hard time limit: `TimeLimitExceeded(seconds)` from billiard, as the prefork pool raises it. */
export function timeLimitExceededInfo(seconds: number): ExceptionInfo {
  return {
    excType: 'TimeLimitExceeded',
    excMessage: [seconds],
    excModule: 'billiard.exceptions',
  };
}

/** A soft time limit: billiard raises `SoftTimeLimitExceeded()` without arguments. */
export function softTimeLimitExceededInfo(): ExceptionInfo {
  return { excType: 'SoftTimeLimitExceeded', excMessage: [], excModule: 'billiard.exceptions' };
}

/** The executing process died: `WorkerLostError('Worker exited prematurely: …')`. */
export function workerLostInfo(detail: string): ExceptionInfo {
  return {
    excType: 'WorkerLostError',
    excMessage: [`Worker exited prematurely: ${detail}.`],
    excModule: 'billiard.exceptions',
  };
}

/** True when `value` has the shape of an {@link ExceptionInfo}. */
export function isExceptionInfo(value: unknown): value is ExceptionInfo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['excType'] === 'string' &&
    Array.isArray(v['excMessage']) &&
    typeof v['excModule'] === 'string'
  );
}
