/**
 * `chunks(sig, items, n)` (Celery's `chunks`): split argument lists into parts of `n`
 * and run each part as one `celery.starmap` task, the parts as a group. The group's
 * result is a list of lists, one per chunk.
 */
import type { SignatureOptions } from '@celeriac/protocol';
import type { AnySignature, ResultOfSignature } from './canvas-types.js';
import { group, type GroupSignature } from './group.js';
import { starmap } from './map.js';

/**
 * A group of `celery.starmap` tasks over `items` in parts of `n`.
 *
 * @example
 * ```ts
 * const parts = await client.send(chunks(add.s(), [[1, 1], [2, 2], [3, 3]], 2));
 * console.log(await parts.get()); // [[2, 4], [6]]
 * ```
 */
export function chunks<S extends AnySignature>(
  sig: S,
  items: readonly (readonly unknown[])[],
  n: number,
  options?: SignatureOptions,
): GroupSignature<ResultOfSignature<S>[][], never> {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`chunks: the chunk size must be a positive integer, got ${n}`);
  }
  const parts = [];
  for (let i = 0; i < items.length; i += n) parts.push(starmap(sig, items.slice(i, i + n)));
  return group(parts, options) as GroupSignature<ResultOfSignature<S>[][], never>;
}
