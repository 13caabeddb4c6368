/**
 * TEMPORARY: stand-ins for `@celeriac/protocol` codecs that have not landed yet. Replaced
 * by the protocol's own exports as soon as they exist.
 */
import { CeleriacError, ErrorCode, type ExceptionInfo } from '@celeriac/protocol';

class CeleryException extends Error {
  readonly excModule = 'celery.exceptions';
  readonly excArgs: unknown[];
  constructor(args: unknown[], message: string) {
    super(message);
    this.excArgs = args;
    this.name = new.target.name;
  }
}
export class NotRegistered extends CeleryException {
  constructor(name: string) {
    super([name], `Task of kind ${JSON.stringify(name)} is not registered`);
  }
}
export class TaskRevokedError extends CeleryException {
  constructor(reason: string) {
    super([reason], reason);
  }
}
export class TimeLimitExceeded extends CeleryException {
  constructor(seconds: number) {
    super([seconds], `TimeLimitExceeded(${seconds})`);
  }
}
export class SoftTimeLimitExceeded extends CeleryException {
  constructor(seconds: number) {
    super([seconds], `SoftTimeLimitExceeded(${seconds})`);
  }
}
export class ValidationError extends CeleriacError {
  constructor(message: string) {
    super(ErrorCode.validation, message);
  }
}
export function errorToExceptionInfo(error: unknown): ExceptionInfo {
  if (error instanceof Error) {
    const e = error as Error & { excModule?: string; excArgs?: unknown[] };
    return {
      excType: e.name,
      excMessage: e.excArgs ?? [e.message],
      excModule: e.excModule ?? 'builtins',
    };
  }
  return { excType: 'Exception', excMessage: [String(error)], excModule: 'builtins' };
}
