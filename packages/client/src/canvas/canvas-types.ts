/**
 * The type-level side of the canvas: what a signature returns, what parent result it
 * takes, and the check that makes a chain type-check only when each step's result fits
 * the next step's first argument. Nothing here exists at runtime.
 */
import type { SignatureJson } from '@celeriac/protocol';

/** A unique type no value has: the input of a signature whose arguments are complete. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- a type-only brand
declare const noInput: unique symbol;
/** What a signature that cannot take a parent's result "accepts" (nothing). */
export type NoInput = typeof noInput;

/** Any signature: typed ({@link TaskSignature}) or plain JSON. */
export type AnySignature = SignatureJson;

/** The result type of a signature; `any` for an untyped one. */
export type ResultOfSignature<S> = '__result' extends keyof S
  ? S extends { readonly __result?: infer R }
    ? R
    : unknown
  : // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON fits anything
    any;

/** The parent result a signature takes as first argument; `unknown` (anything) if untyped. */
export type InputOfSignature<S> = '__input' extends keyof S
  ? S extends { readonly __input?: infer I }
    ? I
    : unknown
  : unknown;

/**
 * The input a `.s(...given)` signature of a task taking `Full` has: the one leading
 * argument not given, or {@link NoInput} when none or several are missing.
 */
export type InputFor<
  Full extends readonly unknown[],
  Given extends readonly unknown[],
> = number extends Full['length']
  ? unknown
  : Full extends readonly [infer X, ...infer Rest]
    ? Given['length'] extends Rest['length']
      ? X
      : NoInput
    : NoInput;

/** Shown where a chain step does not fit: the previous result and what was expected. */
export interface StepMismatch<Previous, Expected> {
  readonly 'this step cannot take the previous step’s result': {
    previous: Previous;
    expected: Expected;
  };
}

/** `S` with every step after the first checked against its predecessor's result. */
export type CheckedSteps<
  S extends readonly unknown[],
  Previous = never,
  First extends boolean = true,
> = S extends readonly [infer H, ...infer T]
  ? [
      First extends true
        ? H
        : [Previous] extends [InputOfSignature<H>]
          ? H
          : H & StepMismatch<Previous, InputOfSignature<H>>,
      ...CheckedSteps<T, ResultOfSignature<H>, false>,
    ]
  : S;

/** The result type of a tuple of steps' last step. */
export type LastResult<S extends readonly unknown[]> = S extends readonly [...unknown[], infer L]
  ? ResultOfSignature<L>
  : unknown;

/** `A | B` → `A & B`. */
export type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (
  x: infer I,
) => void
  ? I
  : never;
