/**
 * Celery's `saferepr` of results and exceptions, as events and log lines show them
 * (`ValueError('boom')`, `[1, 'a']`), bounded in length.
 */
import { PyTuple, saferepr } from '@celeriac/protocol';

/** Celery's `saferepr` of a value or an exception (`ValueError('boom')`). */
export function safeRepr(value: unknown): string {
  if (value instanceof Error) {
    const args = (value as Error & { excArgs?: unknown[] }).excArgs ?? [value.message];
    const inner = saferepr(new PyTuple(args), 1024);
    return `${value.name}${args.length === 1 ? inner.replace(/,\)$/, ')') : inner}`;
  }
  return saferepr(value, 1024);
}
