/**
 * `map` and `starmap` (Celery's `xmap`/`xstarmap`): one task message, `celery.map` or
 * `celery.starmap`, whose worker calls the task once per item, in process and in order,
 * and returns the list of results. Cheaper than a group when items are small and many.
 */
import { signature, type SignatureOptions } from '@celeriac/protocol';
import type { TaskSignature } from '../signature-options.js';
import type { AnySignature, ResultOfSignature } from './canvas-types.js';

/** Celery's task names for map and starmap. */
export const MapTask = {
  map: 'celery.map',
  starmap: 'celery.starmap',
} as const;

/** Just the task of a signature (map/starmap ignore its arguments, as Celery does). */
function taskOnly(sig: AnySignature): AnySignature {
  return signature({ task: sig.task, options: sig.options });
}

/**
 * Call `sig`'s task once per item with the item as its only argument.
 *
 * @example
 * ```ts
 * const squares = await client.send(map(square.s(), [1, 2, 3]));
 * console.log(await squares.get()); // [1, 4, 9]
 * ```
 */
export function map<S extends AnySignature>(
  sig: S,
  items: readonly unknown[],
  options?: SignatureOptions,
): TaskSignature<ResultOfSignature<S>[], never> {
  return signature({
    task: MapTask.map,
    kwargs: { task: taskOnly(sig), it: [...items] },
    immutable: true,
    ...(options === undefined ? {} : { options }),
  });
}

/** Call `sig`'s task once per item, each item being the argument list. */
export function starmap<S extends AnySignature>(
  sig: S,
  items: readonly (readonly unknown[])[],
  options?: SignatureOptions,
): TaskSignature<ResultOfSignature<S>[], never> {
  return signature({
    task: MapTask.starmap,
    kwargs: { task: taskOnly(sig), it: items.map((item) => [...item]) },
    immutable: true,
    ...(options === undefined ? {} : { options }),
  });
}
