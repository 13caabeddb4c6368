/**
 * TEMPORARY: stand-ins for `@celeriac/protocol` exports that have not landed yet
 * (`errorToExceptionInfo`, `ValidationError`). Replaced by the protocol's own as soon as
 * they are committed.
 */
import { CeleriacError, ErrorCode, type ExceptionInfo } from '@celeriac/protocol';

export class ValidationError extends CeleriacError {
  constructor(message: string) {
    super(ErrorCode.validation, message);
  }
}

const PYTHON_BUILTINS = new Set([
  'Exception',
  'TypeError',
  'ValueError',
  'KeyError',
  'RuntimeError',
]);

export function errorToExceptionInfo(error: unknown): ExceptionInfo {
  if (error instanceof Error) {
    const e = error as Error & { excModule?: string; excArgs?: unknown[]; excType?: string };
    const excType = e.excType ?? e.name;
    return {
      excType,
      excMessage: e.excArgs ?? [e.message],
      excModule: e.excModule ?? (PYTHON_BUILTINS.has(excType) ? 'builtins' : 'celery.exceptions'),
    };
  }
  return { excType: 'Exception', excMessage: [String(error)], excModule: 'builtins' };
}
