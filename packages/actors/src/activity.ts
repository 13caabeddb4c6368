/**
 * The vocabulary of the activity region (`idle | <task> { waiting → running → retrying }`):
 * its own inspection event names and the state names of each task, built once per
 * definition. The task runner (`task-runner.ts`) moves the region.
 */
import type { ActivityState } from './state.js';

/** Inspection event names of the activity region's own transitions. */
export const ActivityEvent = {
  /** `actor.run(task)`: `idle → <task>.waiting`. */
  run: 'run',
  /** A step returned: to the next task's `waiting`, or to `idle`. */
  done: 'task.done',
  /** A step threw and its retry policy allows another attempt: `→ <task>.retrying`. */
  failed: 'task.failed',
  /** The retry backoff elapsed: `<task>.retrying → <task>.waiting`. */
  retry: 'task.retry',
} as const;

/** The state names of one task, built once per definition. */
export interface TaskStates {
  readonly waiting: ActivityState;
  readonly running: ActivityState;
  readonly retrying: ActivityState;
}

const statesByDefinition = new WeakMap<object, Record<string, TaskStates>>();

export function statesOf(definition: {
  readonly taskNames: readonly string[];
}): Record<string, TaskStates> {
  let states = statesByDefinition.get(definition);
  if (states === undefined) {
    states = Object.create(null) as Record<string, TaskStates>;
    for (const name of definition.taskNames) {
      states[name] = {
        waiting: `${name}.waiting`,
        running: `${name}.running`,
        retrying: `${name}.retrying`,
      };
    }
    statesByDefinition.set(definition, states);
  }
  return states;
}
