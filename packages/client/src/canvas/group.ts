/**
 * `group(a, b, c)`: run signatures in parallel; the result is a `GroupResult` whose
 * `get()` is the members' results in order. A group is a `celery.group` signature;
 * sending it publishes every member with the `group` header (celery-wire.md §1.6).
 */
import { groupSignature, type SignatureOptions } from '@celeriac/protocol';
import type { TaskSignature } from '../signature-options.js';
import type {
  AnySignature,
  InputOfSignature,
  ResultOfSignature,
  UnionToIntersection,
} from './canvas-types.js';

/** A group: results are the members' in order; every member takes the same input. */
export type GroupSignature<
  TResults extends readonly unknown[] = unknown[],
  TInput = unknown,
> = TaskSignature<TResults, TInput> & { readonly subtask_type: 'group' };

/** Results of a tuple (or array) of signatures. */
export type ResultsOf<S extends readonly unknown[]> = {
  -readonly [K in keyof S]: ResultOfSignature<S[K]>;
};

/**
 * A group of signatures, given as arguments or as one array (`group(items.map(...))`).
 *
 * @example
 * ```ts
 * const fanOut = group(email.s('ada@example.com'), sms.s('+44…'));
 * const results = await client.send(fanOut); // GroupResult
 * console.log(await results.get()); // [emailResult, smsResult]
 * ```
 */
export function group<S extends AnySignature>(
  members: readonly S[],
  options?: SignatureOptions,
): GroupSignature<ResultOfSignature<S>[], UnionToIntersection<InputOfSignature<S>>>;
export function group<S extends readonly AnySignature[]>(
  ...members: S
): GroupSignature<ResultsOf<S>, UnionToIntersection<InputOfSignature<S[number]>>>;
export function group(...members: unknown[]): GroupSignature {
  if (members.length > 0 && Array.isArray(members[0])) {
    const list = members[0] as AnySignature[];
    return groupSignature(list, members[1] as SignatureOptions | undefined) as GroupSignature;
  }
  return groupSignature(members as AnySignature[]) as GroupSignature;
}
