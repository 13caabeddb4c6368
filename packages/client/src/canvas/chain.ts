/**
 * `chain(a, b, c)`: run `a`, then `b` with `a`'s result prepended to its arguments, then
 * `c` with `b`'s — Celery's `a | b | c`. A chain is a `celery.chain` signature (so it can
 * be embedded, stored and sent by any worker); sending it publishes only `a`, with the
 * rest in its `chain` embed, reversed (celery-wire.md §1.6).
 */
import { chainSignature, SubtaskType, type SignatureOptions } from '@celeriac/protocol';
import type { TaskSignature } from '../signature-options.js';
import type {
  AnySignature,
  CheckedSteps,
  InputOfSignature,
  LastResult,
  ResultOfSignature,
  StepMismatch,
} from './canvas-types.js';

/** A chain: its result is the last step's, its input the first step's. */
export type ChainSignature<TResult = unknown, TInput = unknown> = TaskSignature<TResult, TInput> & {
  /**
   * A new chain with `next` appended (type-checked: `next` must take this chain's
   * result). Not part of the JSON.
   */
  pipe<N extends AnySignature>(
    next: N &
      ([TResult] extends [InputOfSignature<N>]
        ? unknown
        : StepMismatch<TResult, InputOfSignature<N>>),
  ): ChainSignature<ResultOfSignature<N>, TInput>;
};

function withPipe<R, I>(sig: AnySignature): ChainSignature<R, I> {
  Object.defineProperty(sig, 'pipe', {
    enumerable: false,
    value: (next: AnySignature) => withPipe(chainSignature([...stepsOf(sig), next], sig.options)),
  });
  return sig as ChainSignature<R, I>;
}

/** The steps of a chain signature, nested chains flattened (Celery's `|` flattens too). */
export function stepsOf(sig: AnySignature): AnySignature[] {
  if (sig.subtask_type !== SubtaskType.chain) return [sig];
  const tasks = sig.kwargs['tasks'] as AnySignature[];
  return tasks.flatMap((step) => stepsOf(step));
}

/**
 * Chain signatures: each step gets the previous step's result as its first argument
 * (unless immutable, `.si()`). Typed steps must fit: `chain(add.s(2, 2), add.s(4))`
 * compiles, `chain(add.s(2, 2), greet.s())` (greet takes a string) does not.
 *
 * @example
 * ```ts
 * const flow = chain(add.s(2, 2), add.s(4), mul.s(10)); // ((2 + 2) + 4) * 10
 * const result = await client.send(flow);
 * console.log(await result.get()); // 80
 * ```
 */
export function chain<S extends readonly [AnySignature, ...AnySignature[]]>(
  ...steps: S & CheckedSteps<S>
): ChainSignature<LastResult<S>, InputOfSignature<S[0]>>;
export function chain(...steps: AnySignature[]): ChainSignature {
  return withPipe(chainSignature(steps.flatMap((step) => stepsOf(step))));
}

/** A chain with options (e.g. `{ queue }` for every step, as Celery's `chain.set`). */
export function chainWith<R, I>(
  sig: ChainSignature<R, I>,
  options: SignatureOptions,
): ChainSignature<R, I> {
  return withPipe(chainSignature(stepsOf(sig), { ...sig.options, ...options }));
}
