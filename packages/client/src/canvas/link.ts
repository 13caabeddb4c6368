/**
 * `link` / `linkError` on a signature (Celery's `sig.link(cb)`, `sig.link_error(eb)`):
 * callbacks sent with the task's result when it succeeds, errbacks sent with its id when
 * it fails. Returns a new signature; the given one is not changed.
 */
import type { SignatureJson } from '@celeriac/protocol';
import type {
  AnySignature,
  InputOfSignature,
  ResultOfSignature,
  StepMismatch,
} from './canvas-types.js';

function listOf(value: unknown): SignatureJson[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...(value as SignatureJson[])] : [value as SignatureJson];
}

/**
 * Add a success callback: it gets the task's result as its first argument (type-checked).
 *
 * @example
 * ```ts
 * await client.send(link(add.s(2, 2), log.s()));
 * ```
 */
export function link<S extends AnySignature, C extends AnySignature>(
  sig: S,
  callback: C &
    ([ResultOfSignature<S>] extends [InputOfSignature<C>]
      ? unknown
      : StepMismatch<ResultOfSignature<S>, InputOfSignature<C>>),
): S {
  return { ...sig, options: { ...sig.options, link: [...listOf(sig.options.link), callback] } };
}

/** Add an errback: sent with the failed task's id as its first argument. */
export function linkError<S extends AnySignature>(sig: S, errback: AnySignature): S {
  return {
    ...sig,
    options: { ...sig.options, link_error: [...listOf(sig.options.link_error), errback] },
  };
}
