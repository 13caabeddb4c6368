/**
 * Typed producers from task contracts: `client.task(add).delay(2, 3)` checks the
 * arguments against the contract's schemas before anything is published, and types the
 * result from the contract.
 */
import type { ArgsOf, KwargsOf, ResultOf, TaskContract } from '@celeriac/protocol';
import { signature } from '@celeriac/protocol';
import type { AsyncResult } from './async-result.js';
import type { InputFor as CanvasInputFor } from './canvas/canvas-types.js';
import type { SendTaskOptions } from './send-options.js';
import { toSignatureOptions, type TaskSignature } from './signature-options.js';

/** Any task contract. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- contravariant positions need any
export type AnyTaskContract = TaskContract<any, any, any>;

/**
 * The trailing parts of an argument tuple: what `s()` may be given, since the parent's
 * result is prepended to a mutable signature's arguments.
 */
export type ArgsSuffix<T extends readonly unknown[]> = T extends readonly [unknown, ...infer Rest]
  ? T | ArgsSuffix<Rest>
  : T;

/** A contract's producer. */
export interface TaskProducer<C extends AnyTaskContract> {
  /** The task name. */
  readonly name: string;
  /** The contract it was made from. */
  readonly contract: C;
  /** Send with positional arguments (Celery's `delay`). */
  delay(...args: ArgsOf<C>): Promise<AsyncResult<ResultOf<C>>>;
  /** Send with arguments, keyword arguments and options (Celery's `apply_async`). */
  applyAsync(
    args: ArgsOf<C>,
    kwargs?: KwargsOf<C>,
    options?: SendTaskOptions,
  ): Promise<AsyncResult<ResultOf<C>>>;
  /**
   * A mutable signature (Celery's `.s()`): as a link or chain step it receives the
   * parent's result as its first argument, so give only the trailing arguments. Not
   * validated here (it is incomplete); the worker validates the full call.
   */
  s<A extends ArgsSuffix<ArgsOf<C>>>(
    ...args: A
  ): TaskSignature<ResultOf<C>, InputFor<ArgsOf<C>, A>>;
  /** An immutable signature (Celery's `.si()`): the full arguments, validated now. */
  si(...args: ArgsOf<C>): TaskSignature<ResultOf<C>>;
  /** A signature with keyword arguments and options, e.g. `{ countdown: 10 }`. */
  signature(
    args: ArgsSuffix<ArgsOf<C>>,
    kwargs?: Partial<KwargsOf<C>>,
    options?: SendTaskOptions & { immutable?: boolean },
  ): TaskSignature<ResultOf<C>>;
}

/** Alias kept local: the input of `.s(...given)` (see `canvas-types.ts`). */
type InputFor<Full extends readonly unknown[], Given extends readonly unknown[]> = CanvasInputFor<
  Full,
  Given
>;

/** What a producer needs from its client. */
export type SendFunction = <T>(
  name: string,
  args: readonly unknown[],
  kwargs: Record<string, unknown>,
  options: SendTaskOptions,
  parse: ((value: unknown) => T) | undefined,
) => Promise<AsyncResult<T>>;

/** Send options a contract's `options` suggest (the call's options win). */
export function contractSendOptions(contract: AnyTaskContract): SendTaskOptions {
  const o = contract.options;
  const out: SendTaskOptions = {};
  if (o.queue !== undefined) out.queue = o.queue;
  if (o.exchange !== undefined) out.exchange = o.exchange;
  if (o.routingKey !== undefined) out.routingKey = o.routingKey;
  if (o.priority !== undefined) out.priority = o.priority;
  if (o.timeLimit !== undefined) out.timeLimit = o.timeLimit;
  if (o.softTimeLimit !== undefined) out.softTimeLimit = o.softTimeLimit;
  if (o.expires !== undefined) out.expires = o.expires;
  if (o.ignoreResult !== undefined) out.ignoreResult = o.ignoreResult;
  return out;
}

/** Make the producer of `contract` sending through `send`. */
export function createTaskProducer<C extends AnyTaskContract>(
  contract: C,
  send: SendFunction,
): TaskProducer<C> {
  const defaults = contractSendOptions(contract);
  const parse = (value: unknown) => contract.parseResult(value) as ResultOf<C>;
  const make = (
    args: readonly unknown[],
    kwargs: Record<string, unknown> | undefined,
    options: SendTaskOptions & { immutable?: boolean },
  ): TaskSignature<ResultOf<C>> => {
    const { immutable, ...rest } = options;
    return signature({
      task: contract.name,
      args,
      kwargs: kwargs ?? {},
      options: toSignatureOptions(rest),
      immutable: immutable ?? false,
    });
  };
  return {
    name: contract.name,
    contract,
    delay: async (...args) => {
      contract.parseArgs(args, {});
      return send(contract.name, args, {}, defaults, parse);
    },
    applyAsync: async (args, kwargs, options) => {
      // Validated, but the caller's values are what travel: transforms are the worker's.
      contract.parseArgs(args, kwargs ?? {});
      return send(contract.name, args, kwargs ?? {}, { ...defaults, ...options }, parse);
    },
    s: <A extends ArgsSuffix<ArgsOf<C>>>(...args: A) => make(args, undefined, {}),
    si: (...args) => {
      contract.parseArgs(args, {});
      return make(args, undefined, { immutable: true });
    },
    signature: (args, kwargs, options = {}) => make(args, kwargs, options),
  };
}
