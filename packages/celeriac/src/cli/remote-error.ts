/**
 * A task's remote failure as a person reads it: `Error: boom`, `ValueError: bad input`,
 * `billing.errors.PaymentDeclined: card expired`. A TypeScript error travels as
 * `celery.exceptions.<Name>` (so Python can rebuild it, see protocol's exception-info),
 * and Python's built-ins as `builtins.<Name>`: both print by their bare name.
 */
import type { RemoteTaskError } from '@celeriac/protocol';

const BARE_MODULES: ReadonlySet<string> = new Set(['', 'builtins', 'celery.exceptions']);

/** `Name: arguments` of a remote failure, qualified only by a module of the user's. */
export function describeRemoteError(error: RemoteTaskError): string {
  const name = BARE_MODULES.has(error.excModule)
    ? error.excType
    : `${error.excModule}.${error.excType}`;
  const args = error.excMessage
    .map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg)))
    .join(', ');
  return `${name}: ${args}`;
}
