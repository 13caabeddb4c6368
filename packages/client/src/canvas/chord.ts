/**
 * `chord(header, body)`: run the header group, then the body with the list of header
 * results (in header order). The result is the body's. Sending a chord sets the chord
 * size in the result backend first, then publishes every header member with `group`,
 * `group_index` and the body in its `chord` embed (celery-wire.md §1.6, §4.5).
 */
import { chordSignature, SubtaskType, type SignatureOptions } from '@celeriac/protocol';
import type { TaskSignature } from '../signature-options.js';
import type {
  AnySignature,
  InputOfSignature,
  ResultOfSignature,
  StepMismatch,
} from './canvas-types.js';
import type { GroupSignature } from './group.js';

/** A chord: its result is the body's. */
export type ChordSignature<TResult = unknown, TInput = unknown> = TaskSignature<TResult, TInput> & {
  readonly subtask_type: 'chord';
};

/** The header members of a chord given as a group signature or a list. */
export function headerOf(header: AnySignature | readonly AnySignature[]): AnySignature[] {
  if (Array.isArray(header)) return [...(header as AnySignature[])];
  const sig = header as AnySignature;
  if (sig.subtask_type === SubtaskType.group) return [...(sig.kwargs['tasks'] as AnySignature[])];
  return [sig];
}

/**
 * A chord of a header (a group, or a list of signatures) and a body that takes the
 * header's results as its first argument.
 *
 * @example
 * ```ts
 * const total = chord(group(add.s(1, 1), add.s(2, 2)), tsum.s());
 * console.log(await (await client.send(total)).get()); // 6
 * ```
 */
export function chord<
  H extends GroupSignature<readonly unknown[], unknown>,
  B extends AnySignature,
>(
  header: H,
  body: B &
    ([ResultOfSignature<H>] extends [InputOfSignature<B>]
      ? unknown
      : StepMismatch<ResultOfSignature<H>, InputOfSignature<B>>),
  options?: SignatureOptions,
): ChordSignature<ResultOfSignature<B>, InputOfSignature<H>>;
export function chord<H extends readonly AnySignature[], B extends AnySignature>(
  header: H,
  body: B,
  options?: SignatureOptions,
): ChordSignature<ResultOfSignature<B>>;
export function chord(
  header: AnySignature | readonly AnySignature[],
  body: AnySignature,
  options?: SignatureOptions,
): ChordSignature {
  return chordSignature(headerOf(header), body, options) as ChordSignature;
}
