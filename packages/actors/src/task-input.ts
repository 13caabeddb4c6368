/**
 * A task's input check (`TaskSpec.input`): run on the input of `run()` and `next()` before
 * the step starts; what it returns is the step's `ctx.input`, what it throws refuses the
 * input with an {@link InvalidArgumentError} naming the trigger and the task.
 */
import { InvalidArgumentError, describe } from './errors.js';

/** An input its task's check refused (a class, so no user value is mistaken for it). */
export class InputRejected {
  constructor(readonly error: InvalidArgumentError) {}
}

/** The checked input, or an {@link InputRejected} carrying the error. */
export function checkTaskInput(
  actorPath: string,
  spec: { readonly input?: (value: unknown) => unknown },
  task: string,
  input: unknown,
  trigger: 'run' | 'next',
): unknown {
  const check = spec.input;
  if (check === undefined) return input;
  try {
    return check(input);
  } catch (error) {
    const problem = `input of task "${task}" rejected: ${describe(error)}`;
    return new InputRejected(new InvalidArgumentError(actorPath, trigger, problem, error));
  }
}

/**
 * The `input` of a task whose input needs no check: gives it the type `I` and passes the
 * value through as it is.
 *
 * @example
 * ```ts
 * tasks: { processing: { input: taskInput<string[]>(), run: ({ input }) => input.length } }
 * ```
 */
export function taskInput<I>(): (value: unknown) => I {
  return passThrough as (value: unknown) => I;
}

const passThrough = (value: unknown): unknown => value;
